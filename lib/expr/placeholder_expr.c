/* module expr: sources arrive with its issue */
typedef int sk_expr_placeholder_t;
