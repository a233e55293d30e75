/* module cstore: sources arrive with its issue */
typedef int sk_cstore_placeholder_t;
