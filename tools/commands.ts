/**
 * One Node entry with named commands, as the Make targets call them: `node --import tsx <entry> <command>`.
 * A settings error prints one line naming the setting and exits 2; any other failure goes to `fatal`
 * (step failures exit 1); a command's own result is the exit code (validate: k6's, 0 pass, 99 fail).
 */
import { fatal } from './status.ts';

export type Commands = Record<string, () => Promise<number>>;

export function runCommands(
  entry: string,
  commands: Commands,
  isSettingsError: (e: unknown) => boolean,
): void {
  const name = process.argv[2] ?? '';
  const command = commands[name];
  if (!command) {
    console.error(`usage: ${entry} <${Object.keys(commands).join('|')}>`);
    process.exit(2);
  }
  command()
    .then((code) => {
      process.exitCode = code;
    })
    .catch((error: unknown) => {
      if (isSettingsError(error)) {
        console.error(`✗ ${(error as Error).message}`);
        process.exit(2);
      }
      fatal(error);
    });
}
