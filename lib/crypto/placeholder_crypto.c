/* module crypto: sources arrive with its issue */
typedef int sk_crypto_placeholder_t;
