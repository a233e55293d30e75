/* module form: sources arrive with its issue */
typedef int sk_form_placeholder_t;
