/* module export: sources arrive with its issue */
typedef int sk_export_placeholder_t;
