/* cmd_check.c - PLACEHOLDER until its module lands; replaced by the real command. */
#include "cmd.h"

int cmd_check(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return sync_failf("'check' is not built yet");
}
