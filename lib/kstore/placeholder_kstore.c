/* module kstore: sources arrive with its issue */
typedef int sk_kstore_placeholder_t;
