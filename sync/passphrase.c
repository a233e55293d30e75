/* PLACEHOLDER: replaced by the crypto work. */
#include <stdlib.h>
#include "cmd.h"
int sync_passphrase(const char *f, int c, char **out, size_t *len) { (void)f; (void)c; (void)out; (void)len; return sync_failf("passphrase input is not built yet"); }
void sync_passphrase_free(char *p) { free(p); }
