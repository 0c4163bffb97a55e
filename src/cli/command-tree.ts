// Every `slipway` command with its arguments, options, defaults, choices and examples, as a
// commander tree. Building it loads nothing else: each command's module (and what it needs — the
// client, printers, YAML, the machine flags' parsers) is imported when that command runs, so a
// command starts without paying for the others' code.
import { Argument, Command, InvalidArgumentError, Option } from 'commander';
import { collect, commandArguments } from './command-line.ts';
import { addGlobalOptions } from './global-options.ts';
import { closeConnections } from './open-connections.ts';

// The handlers take the parsed values in the shape commandArguments makes; each declares its own.
type Handler = (argv: any) => unknown;

/** The action of a command: loads its module only now, runs its handler, then lets the process end. */
function runs<M>(load: () => Promise<M>, pick: (module: M) => Handler) {
  return async (...params: unknown[]): Promise<void> => {
    const command = params.at(-1) as Command;
    const handler = pick(await load());
    try {
      await handler(commandArguments(command));
    } finally {
      closeConnections();
    }
  };
}

/** Appends kubectl-style examples to the command's --help. */
function examples(command: Command, ...list: Array<[line: string, what: string]>): Command {
  return command.addHelpText('after', `\nExamples:\n${list.map(([line, what]) => `  # ${what}\n  ${line}`).join('\n\n')}\n`);
}

const repeatable = (flags: string, description: string) => new Option(flags, description).argParser(collect);

function wholeNumber(value: string): number {
  const number = Number(value);
  if (value.trim() === '' || !Number.isInteger(number)) throw new InvalidArgumentError('Not a whole number.');
  return number;
}

const choices = (flags: string, description: string, values: readonly string[], fallback?: string) => {
  const option = new Option(flags, description).choices(values);
  return fallback === undefined ? option : option.default(fallback);
};

/** A boolean that is on unless turned off: --wait, --no-wait, --wait=false. */
function defaultOn(command: Command, name: string, description: string): Command {
  return command.addOption(new Option(`--${name}`, description).default(true)).addOption(new Option(`--no-${name}`).hideHelp());
}

const timeout = (fallback: string, what: string) => new Option('--timeout <duration>', what).default(fallback);

const MACHINE = 'Machine name or ID (a unique prefix of either is enough)';
const MACHINES = 'Machines, by name or ID (a unique prefix of either is enough)';

function clusterCommands(program: Command): void {
  const up = program.command('up').description('Start Slipway (store, API server and controllers) in the foreground')
    .option('--listen <address>', 'Address the API server listens on (HOST:PORT; port 0 picks a free one)', '127.0.0.1:6443')
    .addOption(choices('--store <backend>', 'Storage backend', ['sqlite', 'etcd'], 'sqlite'))
    .option('--etcd-endpoints <urls...>', 'etcd client URLs (with --store etcd), comma-separated or repeated');
  defaultOn(up, 'machines', 'Run container machines on this host (--no-machines: none, nothing made on the host)')
    .option('--machine-subnet <cidr>', 'Private subnet of the default machine Network, made at the first start (default 10.99.0.0/16)')
    .option('--machine-bridge <name>', 'Bridge of the default machine Network (default slipway0)')
    .addOption(choices('--log-level <level>', 'Log level of the server logs on stderr', ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'], 'info'))
    .action(runs(() => import('./commands/up.ts'), (m) => m.up));

  examples(program.command('apply').description('Apply objects from files, directories or stdin (server-side apply)')
    .addOption(repeatable('-f, --filename <path>', 'File, directory or - (stdin) to apply; repeatable').makeOptionMandatory())
    .option('-R, --recursive', 'Read directories given with -f recursively')
    .option('--field-manager <name>', 'Name of the manager owning the applied fields', 'slipway')
    .option('--force-conflicts', 'Take ownership of fields other managers own')
    .addOption(choices('--dry-run <mode>', 'With "server", validate and show the result without persisting', ['none', 'server'], 'none'))
    .action(runs(() => import('./commands/apply.ts'), (m) => m.apply)),
  ['slipway apply -f cluster.yaml', 'Apply every object in a file'],
  ['cat app.yaml | slipway apply -f -', 'Apply from stdin']);

  examples(program.command('get').description('List objects as a table, or print them as YAML, JSON or names')
    .argument('<resource>', 'Kind (plural, singular, kind or short name), KIND,KIND or KIND/NAME')
    .argument('[names...]', 'Names of the objects (default: all)')
    .option('-A, --all-namespaces', 'List across all namespaces')
    .option('-l, --selector <selector>', 'Label selector, e.g. app=web,tier!=cache')
    .addOption(choices('-o, --output <format>', 'Output format (default: table)', ['wide', 'yaml', 'json', 'name']))
    .option('-w, --watch', 'After listing, watch for changes')
    .option('--no-headers', 'Omit table headers')
    .option('--show-managed-fields', 'Keep metadata.managedFields in YAML and JSON output')
    .action(runs(() => import('./commands/get.ts'), (m) => m.get)),
  ['slipway get machines -A', 'Machines in every namespace'],
  ['slipway get configmap/app -o yaml', 'One object as YAML']);

  const describe = program.command('describe').description('Show the details of objects, with their conditions and events')
    .argument('<resource>', 'Kind (plural, singular, kind or short name) or KIND/NAME')
    .argument('[names...]', 'Names of the objects (default: all in the namespace)')
    .option('-l, --selector <selector>', 'Label selector, when no names are given')
    .option('--show-conditions <filter>', 'Clusters only: comma separated kinds or Kind/name whose conditions are all listed ("all" for everything; a "+" suffix lists only the non-zero ones)');
  examples(defaultOn(describe, 'grouping', 'Clusters only: fold Machines in the same state into one row')
    .option('--echo', 'Clusters only: show infrastructure machines and bootstrap configs even when their state is the Machine\'s')
    .option('--show-machinesets', 'Clusters only: show MachineSets')
    .action(runs(() => import('./commands/describe-cluster.ts'), (m) => m.describeWithClusterTree)),
  ['slipway describe machine my-machine', 'One machine, its conditions and events'],
  ['slipway describe cluster demo', 'The at-a-glance tree of a Cluster API cluster'],
  ['slipway describe cluster demo --show-conditions all --grouping=false', 'Every object on its own row, with all its conditions']);

  const remove = program.command('delete').description('Delete objects by kind and name, or those in manifests (-f)')
    .argument('[resource]', 'Kind (plural, singular, kind or short name) or KIND/NAME')
    .argument('[names...]', 'Names of the objects')
    .addOption(repeatable('-f, --filename <path>', 'Delete the objects in these files, directories or - (stdin); repeatable'))
    .option('-R, --recursive', 'Read directories given with -f recursively')
    .addOption(choices('--cascade <mode>', 'What happens to dependents: deleted after (background), before (foreground), or kept (orphan)', ['background', 'foreground', 'orphan'], 'background'));
  examples(defaultOn(remove, 'wait', 'Wait until the objects are gone (--no-wait: return at once)')
    .addOption(timeout('60s', 'How long to wait with --wait (e.g. 30s, 5m)'))
    .action(runs(() => import('./commands/delete.ts'), (m) => m.deleteObjects)),
  ['slipway delete machine m1 m2', 'Delete two machines and wait for them to go'],
  ['slipway delete -f cluster.yaml --cascade=foreground', 'Delete dependents first']);

  examples(program.command('generate').description('Print the manifest of a new cluster from a cluster template (clusterctl generate cluster)')
    .addArgument(new Argument('<what>', 'What to generate').choices(['cluster']))
    .argument('<name>', 'Name of the cluster (CLUSTER_NAME)')
    .option('--flavor <flavor>', 'Template flavor: in-memory, in-memory-with-healthcheck, etcd')
    .option('--infrastructure <provider>', 'Infrastructure provider whose templates to use (default: the one shipping the flavor)')
    .addOption(new Option('--from-file <file>', 'Use this template file instead of a shipped flavor').conflicts(['flavor', 'infrastructure']))
    .option('--kubernetes-version <version>', 'Kubernetes version (KUBERNETES_VERSION)')
    .addOption(new Option('--worker-machine-count <count>', 'Number of worker machines (WORKER_MACHINE_COUNT, default 0)').argParser(wholeNumber))
    .addOption(new Option('--control-plane-machine-count <count>', 'Number of control plane machines (CONTROL_PLANE_MACHINE_COUNT, default 1)').argParser(wholeNumber))
    .option('--list-variables', 'List the variables the template uses instead of filling it')
    .action(runs(() => import('./commands/generate.ts'), (m) => m.generate)),
  ['slipway generate cluster demo --flavor in-memory --kubernetes-version v1.33.0 --worker-machine-count 3 | kubectl apply -f -', 'A simulated cluster with three workers'],
  ['ETCD_MACHINE_IMAGE=local/etcd:bookworm slipway generate cluster ledger --flavor etcd --control-plane-machine-count 3 | kubectl apply -f -', 'A 3-member etcd cluster on container machines'],
  ['slipway generate cluster demo --flavor in-memory --list-variables', 'The variables the flavor uses']);

  examples(program.command('crds').description('Print the CustomResourceDefinitions of Cluster API, Slipway\'s providers and slipway.dev as YAML')
    .action(runs(() => import('./commands/crds.ts'), (m) => m.crds)),
  ['slipway crds | kubectl apply --server-side -f -', 'Serve Slipway\'s kinds from another Kubernetes API server']);

  examples(program.command('kubeconfig').description('Print the path of the kubeconfig `slipway up` wrote (or its contents with --print)')
    .option('--print', 'Print the kubeconfig itself instead of its path')
    .action(runs(() => import('./commands/kubeconfig.ts'), (m) => m.kubeconfig)),
  ['export KUBECONFIG=$(slipway kubeconfig)', 'Point kubectl at Slipway']);

  examples(program.command('etcdctl').description('Run the host\'s etcdctl against a Cluster\'s etcd members with its client certificate')
    .argument('<cluster>', 'The Cluster whose control plane is an EtcdCluster')
    .argument('[args...]', 'etcdctl arguments (after --)')
    .action(runs(() => import('./commands/etcdctl.ts'), (m) => m.etcdctl)),
  ['slipway etcdctl demo -- endpoint health', 'Check every member'],
  ['slipway etcdctl demo -- put greeting hello', 'Write a key']);

  examples(program.command('completion').description('Print a shell completion script (commands, flags, kinds and names)')
    .addArgument(new Argument('<shell>', 'Shell to complete in').choices(['bash', 'zsh']))
    .action(runs(() => import('./commands/completion.ts'), (m) => m.printCompletionScript)),
  ['source <(slipway completion bash)', 'Enable completion in this bash session'],
  ['slipway completion zsh > "${fpath[1]}/_slipway"', 'Install it for zsh']);
}

/** `run` and `create` share Ignite's machine flags. */
function machineCommand(program: Command, name: 'run' | 'create', description: string): void {
  examples(program.command(name).description(description)
    .argument('<image>', 'OCI image reference, e.g. debian:bookworm or 127.0.0.1:5000/team/app:1')
    .option('--name <name>', 'Machine name (default: a random readable one)')
    .option('--cpus <cpus>', 'CPUs the machine may use, e.g. 2 or 500m (default 1)')
    .option('--memory <size>', 'Memory limit, e.g. 512MB, 1GB, 1G or 1Gi (default 512MB; at least 64MB)')
    .option('-s, --size <size>', 'Size limit of the machine\'s writable filesystem, e.g. 4GB')
    .option('--ssh [key]', 'Enable SSH as root: --ssh generates a key pair, --ssh=KEY installs a public key or the .pub file at a path')
    .addOption(repeatable('-p, --ports <mapping>', 'Forward a host port to the machine: [ADDRESS:]HOST_PORT:MACHINE_PORT[/tcp|/udp] (repeatable; address default 127.0.0.1)'))
    .addOption(repeatable('-f, --copy-files <paths>', 'Copy a host file or directory into the machine before it starts, making missing directories: HOST_PATH:MACHINE_PATH (repeatable)'))
    .addOption(repeatable('-l, --label <label>', 'Set a label: KEY=VALUE (repeatable)'))
    .addOption(repeatable('-e, --env <variable>', 'Set an environment variable of the machine\'s init: NAME=VALUE (repeatable)'))
    .option('--network <name>', 'Network to attach to (default "default")')
    .addOption(choices('--init <init>', 'Slipway\'s minimal init with an SSH server (default), or the image\'s own /sbin/init', ['slipway', 'image']))
    .addOption(timeout('5m', 'How long to wait for the image and the machine'))
    .action(runs(() => import('./commands/run.ts'), (m) => (name === 'run' ? m.run : m.create))),
  [`slipway ${name} debian:bookworm --name my-vm --cpus 2 --memory 1GB --ssh`, 'A machine with 2 CPUs, 1 GiB and a generated SSH key'],
  [`slipway ${name} 127.0.0.1:5000/team/app:1 -p 8080:80 -f ./motd:/etc/motd`, 'A port forward and a copied file']);
}

function machineCommands(program: Command): void {
  machineCommand(program, 'run', 'Create a machine from an OCI image and start it (waits until it runs)');
  machineCommand(program, 'create', 'Create a machine from an OCI image without starting it');

  examples(program.command('start').description('Start stopped machines (waits until they run and their SSH server answers)')
    .argument('<machines...>', MACHINES)
    .addOption(timeout('2m', 'How long to wait for each machine'))
    .action(runs(() => import('./commands/power.ts'), (m) => m.start)),
  ['slipway start my-vm', 'Start a machine by name'],
  ['slipway start 3c5f', 'Start a machine by ID prefix']);

  program.command('stop').description('Stop running machines: SIGTERM to their init (SIGKILL after the grace period), or SIGKILL at once with -f')
    .argument('<machines...>', MACHINES)
    .option('-f, --force-kill', 'Kill the machines instead of stopping them gracefully')
    .addOption(timeout('2m', 'How long to wait for each machine'))
    .action(runs(() => import('./commands/power.ts'), (m) => m.stop));

  program.command('kill').description('Kill running machines (SIGKILL, no grace period)')
    .argument('<machines...>', MACHINES)
    .addOption(timeout('2m', 'How long to wait for each machine'))
    .action(runs(() => import('./commands/power.ts'), (m) => m.kill));

  examples(program.command('rm').description('Remove machines (running ones only with -f)')
    .argument('<machines...>', MACHINES)
    .option('-f, --force', 'Remove running machines too, killing them')
    .addOption(timeout('2m', 'How long to wait for each machine to be gone'))
    .action(runs(() => import('./commands/rm.ts'), (m) => m.rm)),
  ['slipway rm -f $(slipway ps -aq)', 'Remove every machine in the namespace']);

  program.command('ps').description('List running machines (all machines with -a)')
    .option('-a, --all', 'Show all machines, not just running ones')
    .option('-q, --quiet', 'Only print IDs (names of machines that have none yet)')
    .action(runs(() => import('./commands/ps.ts'), (m) => m.ps));

  program.command('logs').description('Print a machine\'s console output')
    .argument('<machine>', MACHINE)
    .option('-f, --follow', 'Keep printing what the machine writes')
    .action(runs(() => import('./commands/logs.ts'), (m) => m.logs));

  examples(program.command('ssh').description('SSH into a running machine, or run a command in it over SSH (put -- before a command with options)')
    .argument('<machine>', MACHINE)
    .argument('[command...]', 'Command to run instead of a login shell')
    .option('-i, --identity <file>', 'Private key to use instead of the one generated for the machine')
    .addOption(new Option('--timeout <seconds>', 'Seconds to wait for the connection').argParser(wholeNumber).default(10))
    .option('-t, --tty', 'Force (-t) or forbid (--no-tty) a terminal; default: ssh decides')
    .addOption(new Option('--no-tty').hideHelp())
    .action(runs(() => import('./commands/ssh.ts'), (m) => m.ssh)),
  ['slipway ssh my-vm', 'A login shell'],
  ['slipway ssh my-vm -- uname -a', 'One command']);

  examples(program.command('exec').description('Run a command in a running machine (put -- before a command with options)')
    .argument('<machine>', MACHINE)
    .argument('[command...]', 'The command and its arguments')
    .option('-i, --interactive', 'Pass this command\'s standard input to the machine\'s command')
    .action(runs(() => import('./commands/exec.ts'), (m) => m.exec)),
  ['slipway exec my-vm -- cat /etc/os-release', 'Print the machine\'s OS'],
  ['tar c dir | slipway exec -i my-vm -- tar x -C /root', 'Feed a command from a pipe']);

  examples(program.command('cp').description('Copy files or directories between this host and a machine')
    .argument('<source>', 'HOST_PATH or NAME:MACHINE_PATH')
    .argument('<destination>', 'NAME:MACHINE_PATH or HOST_PATH')
    .action(runs(() => import('./commands/cp.ts'), (m) => m.cp)),
  ['slipway cp ./app.conf my-vm:/etc/app.conf', 'Into a machine'],
  ['slipway cp my-vm:/var/log/app.log ./app.log', 'Out of a machine']);

  examples(program.command('inspect').description('Show a machine (or, with the kind "image", an image) as JSON or YAML')
    .argument('<kindOrName>', 'vm or image followed by the name; or just a machine\'s name or ID')
    .argument('[name]', 'Machine name or ID, or image reference')
    .addOption(choices('-o, --output <format>', 'Output format', ['json', 'yaml'], 'json'))
    .action(runs(() => import('./commands/inspect.ts'), (m) => m.inspect)),
  ['slipway inspect my-vm -o yaml', 'A machine as YAML'],
  ['slipway inspect image debian:bookworm', 'An image']);
}

function imageCommands(program: Command): void {
  program.command('images').description('List the images in the daemon\'s image store')
    .action(runs(() => import('./commands/images.ts'), (m) => m.listImages));

  const image = program.command('image').description('Manage images: pull, import, build, ls');
  examples(image.command('pull').description('Pull an image from its registry into the daemon\'s image store')
    .argument('<reference>', 'OCI image reference, e.g. debian:bookworm')
    .addOption(timeout('10m', 'How long to wait for the image'))
    .option('--plain-http', 'Speak HTTP, not HTTPS, to the registry (loopback registries only; their default; --no-plain-http for HTTPS)')
    .addOption(new Option('--no-plain-http').hideHelp())
    .action(runs(() => import('./commands/images.ts'), (m) => m.pull)),
  ['slipway image pull 127.0.0.1:5000/team/app:1', 'From a registry on loopback (plain HTTP)']);
  image.command('import').description('Import an image from a docker-archive or OCI layout tarball on the daemon\'s host')
    .argument('<file>', 'The tarball (docker save, skopeo copy … docker-archive: or oci-archive:)')
    .addOption(timeout('10m', 'How long to wait for the image'))
    .option('--reference <reference>', 'Reference to store it under (default: the one the archive names)')
    .action(runs(() => import('./commands/images.ts'), (m) => m.importImage));
  examples(image.command('build').description('Build a Debian image with debootstrap (for hosts that reach no registry)')
    .argument('<name>', 'Reference to store the image under, e.g. local/debian:bookworm')
    .addOption(timeout('30m', 'How long to wait for the image'))
    .requiredOption('--debian <suite>', 'Debian suite, e.g. bookworm')
    .addOption(repeatable('--packages <packages>', 'Packages to install beyond the minimal base, comma-separated or repeated'))
    .option('--mirror <url>', 'Debian mirror URL (default Debian\'s own)')
    .action(runs(() => import('./commands/images.ts'), (m) => m.build)),
  ['slipway image build local/debian:ssh --debian bookworm --packages openssh-server,iproute2', 'A Debian image with an SSH server']);
  image.command('ls').alias('list').description('List the images (as `slipway images`)')
    .action(runs(() => import('./commands/images.ts'), (m) => m.listImages));

  program.command('rmi').description('Remove images from the daemon\'s image store (in use by machines only with -f)')
    .argument('<images...>', 'Images by reference, name or digest prefix')
    .option('-f, --force', 'Remove images machines still use (the machines keep running on what they have)')
    .addOption(timeout('2m', 'How long to wait for each image to be removed'))
    .action(runs(() => import('./commands/images.ts'), (m) => m.rmi));
}

/**
 * The whole tree. commander writes nothing on stderr — not its parse errors, nor the help it would
 * print when a subcommand is missing — and throws instead (cli.ts words each as one line). The
 * settings are made before the commands are added, which copy them.
 */
export function commandTree(): Command {
  const program = addGlobalOptions(new Command('slipway'))
    .usage('<command> [options]')
    .description('Declarative lifecycle management for machines and clusters.')
    .exitOverride()
    .configureOutput({ writeErr: () => {}, outputError: () => {} })
    .configureHelp({ showGlobalOptions: true, helpWidth: Math.min(110, process.stdout.columns || 100) })
    .helpCommand(false);
  clusterCommands(program);
  machineCommands(program);
  imageCommands(program);
  return program;
}
