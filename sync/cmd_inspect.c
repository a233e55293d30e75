/* cmd_inspect.c - PLACEHOLDER until its module lands; replaced by the real command. */
#include "cmd.h"

int cmd_inspect(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return sync_failf("'inspect' is not built yet");
}
