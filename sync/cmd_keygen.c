/* cmd_keygen.c - PLACEHOLDER until its module lands; replaced by the real command. */
#include "cmd.h"

int cmd_keygen(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return sync_failf("'keygen' is not built yet");
}
