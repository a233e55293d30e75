/* cmd_report.c - PLACEHOLDER until its module lands; replaced by the real command. */
#include "cmd.h"

int cmd_report(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return sync_failf("'report' is not built yet");
}
