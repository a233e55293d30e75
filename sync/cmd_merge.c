/* cmd_merge.c - PLACEHOLDER until its module lands; replaced by the real command. */
#include "cmd.h"

int cmd_merge(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return sync_failf("'merge' is not built yet");
}
