/* cmd_export.c - PLACEHOLDER until its module lands; replaced by the real command. */
#include "cmd.h"

int cmd_export(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return sync_failf("'export' is not built yet");
}
