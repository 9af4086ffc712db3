// `parley reset-password USERNAME`: a one-time reset link for a locked-out person (an administrator
// who forgot their password, on a server without email), printed for whoever runs the command.
import { adminService } from "../chat/admin.service.ts";
import { openRepository } from "../db/open.ts";
import { NotFound } from "../errors.ts";
import { type Command, CommandFailed, UsageError } from "./command.ts";

export const resetPasswordCommand: Command = {
  name: "reset-password",
  usage: "reset-password USERNAME",
  summary: "print a one-time password reset link for USERNAME",
  help: `Prints a link that sets a new password for USERNAME: valid 24 hours, good for one use, and using
it ends every session of that person. The link starts with PUBLIC_ORIGIN when it is set, else
http://localhost:PORT. The audit log records it as done from the command line.
Takes the same settings as the server: DATA_DIR, or DATABASE_URL for PostgreSQL.`,
  async run({ positionals, config, print }) {
    const [username, ...extra] = positionals;
    if (!username || extra.length > 0) throw new UsageError("reset-password needs exactly one USERNAME");
    const settings = config();
    const repo = await openRepository(settings);
    try {
      const origin = settings.publicOrigin ?? `http://localhost:${settings.port}`;
      const link = await adminService(repo).createResetLink(null, username, origin);
      print(link.url);
    } catch (error) {
      if (error instanceof NotFound) throw new CommandFailed(`no account named "${username.trim().toLowerCase()}"`);
      throw error;
    } finally {
      await repo.close();
    }
  },
};
