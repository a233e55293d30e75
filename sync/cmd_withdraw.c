/* cmd_withdraw.c - PLACEHOLDER until its module lands; replaced by the real command. */
#include "cmd.h"

int cmd_withdraw(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return sync_failf("'withdraw' is not built yet");
}
