/* module runtime: sources arrive with its issue */
typedef int sk_runtime_placeholder_t;
