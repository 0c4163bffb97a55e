// Readable names for machines created without --name, as Ignite and Docker give them: an adjective
// and a noun ("brave-schooner"). Joined by "-" rather than Docker's "_", since object names are
// DNS labels. The nouns are from a harbour, as befits a slipway.
import { randomInt } from 'node:crypto';

const ADJECTIVES = [
  'amber', 'bold', 'brave', 'bright', 'brisk', 'calm', 'clever', 'crisp', 'dapper', 'eager', 'fancy', 'frosty',
  'gentle', 'golden', 'happy', 'hardy', 'humble', 'jolly', 'keen', 'kind', 'lively', 'lucid', 'mellow', 'merry',
  'nimble', 'noble', 'plucky', 'proud', 'quiet', 'rapid', 'rustic', 'shiny', 'sleek', 'snowy', 'steady', 'sunny',
  'swift', 'tender', 'tidy', 'upbeat', 'vivid', 'warm', 'wise', 'witty', 'zesty',
];
const NOUNS = [
  'anchor', 'beacon', 'brig', 'buoy', 'compass', 'cove', 'current', 'cutter', 'dinghy', 'dock', 'dolphin', 'ferry',
  'galleon', 'gull', 'harbor', 'heron', 'hull', 'jetty', 'keel', 'ketch', 'lagoon', 'lantern', 'mast', 'narwhal',
  'otter', 'pelican', 'pier', 'puffin', 'reef', 'rudder', 'sail', 'schooner', 'seal', 'skiff', 'sloop', 'tide',
  'trawler', 'walrus', 'wharf', 'yacht',
];

export function randomMachineName(): string {
  return `${ADJECTIVES[randomInt(ADJECTIVES.length)]}-${NOUNS[randomInt(NOUNS.length)]}`;
}
