#ifndef THERMPACE_COMMANDS_H
#define THERMPACE_COMMANDS_H

/*
 * Subcommands. Each is one file src/cmd_NAME.c with cmd_NAME(argc, argv),
 * argv[0] being the subcommand's name. Exit status: 0 success, 1 failure at
 * run time (says what failed), 2 bad arguments (one line on stderr).
 */

#define TP_EXIT_OK	0
#define TP_EXIT_FAILURE 1
#define TP_EXIT_USAGE	2

/*
 * Declared weak so that a tree missing one module still links; main()
 * hides a command whose function is absent. Every release defines them all.
 */
#define TP_COMMAND(name) int cmd_##name(int argc, char **argv) __attribute__((weak))
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
TP_COMMAND(restore);
TP_COMMAND(report);

#endif
