// Terminal styling: colour only when writing to a TTY and NO_COLOR is unset (node's styleText
// checks both for the stream it is given), so pipes, files and tests get plain text.
import { styleText } from 'node:util';

export interface Style {
  bold(text: string): string;
  red(text: string): string;
  green(text: string): string;
}

export const plainStyle: Style = { bold: (t) => t, red: (t) => t, green: (t) => t };

export function styleFor(stream: NodeJS.WriteStream): Style {
  const style = (format: Parameters<typeof styleText>[0]) => (text: string) => styleText(format, text, { stream });
  return { bold: style('bold'), red: style('red'), green: style('green') };
}
