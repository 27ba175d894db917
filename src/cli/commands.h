#ifndef THERMPACE_COMMANDS_H
#define THERMPACE_COMMANDS_H

/*
 * The cli wing: the thermpace command line, main.c and one file per
 * subcommand. It owns argument parsing, usage text and exit statuses, and
 * nothing the daemon or a library user needs; it may include any wing
 * (tools/lint-includes), and no wing includes it.
 *
 * Subcommands. Each is one file src/cli/cmd_NAME.c with cmd_NAME(argc,
 * argv), argv[0] being the subcommand's name. Exit status: 0 success, 1
 * failure at run time (says what failed), 2 bad arguments (one line on
 * stderr).
 */

#define TP_EXIT_OK	0
#define TP_EXIT_FAILURE 1
#define TP_EXIT_USAGE	2

/*
 * Ordinary declarations: a subcommand in main()'s table without its file is
 * a link error, not a command that silently disappears.
 */
#define TP_COMMAND(name) int cmd_##name(int argc, char **argv)
TP_COMMAND(probe);
TP_COMMAND(record);
TP_COMMAND(tegrastats);
TP_COMMAND(import);
TP_COMMAND(features);
TP_COMMAND(sim);
TP_COMMAND(replay);
TP_COMMAND(eval);
TP_COMMAND(run);
TP_COMMAND(attach);
TP_COMMAND(serve);
TP_COMMAND(restore);
TP_COMMAND(report);
TP_COMMAND(fit);

#endif
