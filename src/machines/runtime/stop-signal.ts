// Which signal stops a machine's init cleanly: the image's own StopSignal when it names one;
// otherwise SIGRTMIN+3 for an image's init (systemd re-executes itself on SIGTERM and halts on
// SIGRTMIN+3) and SIGTERM for Slipway's init.
import { constants } from 'node:os';

/** glibc's SIGRTMIN: the kernel's 32 plus the two real-time signals the C library keeps. */
const SIGRTMIN = 34;
const SIGRTMAX = 64;

/** The signal's number, or undefined when `name` names no signal (e.g. "SIGTERM", "TERM", "SIGRTMIN+3", "15"). */
export function signalNumber(name: string): number | undefined {
  const upper = name.trim().toUpperCase();
  if (/^[0-9]+$/.test(upper)) {
    const number = Number(upper);
    return number >= 1 && number <= SIGRTMAX ? number : undefined;
  }
  const bare = upper.startsWith('SIG') ? upper.slice(3) : upper;
  const realtime = /^RTMIN(?:\+([0-9]+))?$/.exec(bare);
  if (realtime) {
    const number = SIGRTMIN + Number(realtime[1] ?? 0);
    return number <= SIGRTMAX ? number : undefined;
  }
  return (constants.signals as Record<string, number>)[`SIG${bare}`];
}

export function stopSignal(imageInit: boolean, imageStopSignal: string | undefined): number {
  const fromImage = imageStopSignal === undefined ? undefined : signalNumber(imageStopSignal);
  return fromImage ?? (imageInit ? SIGRTMIN + 3 : constants.signals.SIGTERM);
}
