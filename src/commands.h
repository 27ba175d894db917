#ifndef THERMPACE_COMMANDS_H
#define THERMPACE_COMMANDS_H

/*
 * Subcommands. Each is one file src/cmd_NAME.c with cmd_NAME(argc, argv),
 * argv[0] being the subcommand's name. Exit status: 0 success, 1 failure at
 * run time (says what failed), 2 bad arguments (one line on stderr).
 */

#define TP_EXIT_OK      0
#define TP_EXIT_FAILURE 1
#define TP_EXIT_USAGE   2

#endif
