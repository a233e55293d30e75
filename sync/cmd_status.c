/* cmd_status.c - PLACEHOLDER until its module lands; replaced by the real command. */
#include "cmd.h"

int cmd_status(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return sync_failf("'status' is not built yet");
}
