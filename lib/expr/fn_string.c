/* fn_string.c - text functions of XPath 1.0 and the ODK XForms spec, and the
 * ODK functions that make up values (once, uuid, digest) or read the device
 * (version, property).  Positions and lengths count characters (UTF-8 code
 * points), not bytes. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>
#if SK_HAVE_NETTLE
#include <nettle/md5.h>
#include <nettle/sha1.h>
#include <nettle/sha2.h>
#endif

#include "fn.h"

/* Decode UTF-8 into code points (invalid bytes count as one character each). */
static size_t decode(const char *s, unsigned long **out)
{
    size_t len = strlen(s), n = 0;
    unsigned long *cp = malloc((len + 1) * sizeof *cp);
    if (!cp)
        return (size_t)-1;
    for (size_t i = 0; i < len;) {
        unsigned char c = (unsigned char)s[i];
        int extra = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : 0;
        unsigned long v = extra ? (c & (0x3F >> extra)) : c;
        size_t k = 1;
        for (; k <= (size_t)extra && i + k < len && ((unsigned char)s[i + k] & 0xC0) == 0x80; k++)
            v = (v << 6) | ((unsigned char)s[i + k] & 0x3F);
        if (k != (size_t)extra + 1)
            v = c, k = 1;
        cp[n++] = v;
        i += k;
    }
    *out = cp;
    return n;
}

static void encode_one(unsigned long v, char *out, size_t *o)
{
    if (v < 0x80) {
        out[(*o)++] = (char)v;
    } else if (v < 0x800) {
        out[(*o)++] = (char)(0xC0 | (v >> 6));
        out[(*o)++] = (char)(0x80 | (v & 0x3F));
    } else if (v < 0x10000) {
        out[(*o)++] = (char)(0xE0 | (v >> 12));
        out[(*o)++] = (char)(0x80 | ((v >> 6) & 0x3F));
        out[(*o)++] = (char)(0x80 | (v & 0x3F));
    } else {
        out[(*o)++] = (char)(0xF0 | (v >> 18));
        out[(*o)++] = (char)(0x80 | ((v >> 12) & 0x3F));
        out[(*o)++] = (char)(0x80 | ((v >> 6) & 0x3F));
        out[(*o)++] = (char)(0x80 | (v & 0x3F));
    }
}

/* translate(s, from, to): XPath 1.0 4.2. */
sk_value fn_translate(evaluator *ev, const node *n)
{
    char *s = expr_arg_string(ev, n, 0), *from = expr_arg_string(ev, n, 1),
         *to = expr_arg_string(ev, n, 2);
    unsigned long *cs = NULL, *cf = NULL, *ct = NULL;
    size_t ns = s ? decode(s, &cs) : (size_t)-1, nf = from ? decode(from, &cf) : (size_t)-1,
           nt = to ? decode(to, &ct) : (size_t)-1;
    char *out = NULL;
    if (ns != (size_t)-1 && nf != (size_t)-1 && nt != (size_t)-1 && (out = malloc(ns * 4 + 1))) {
        size_t o = 0;
        for (size_t i = 0; i < ns; i++) {
            size_t k = 0;
            while (k < nf && cf[k] != cs[i])
                k++;
            if (k == nf)
                encode_one(cs[i], out, &o);
            else if (k < nt)
                encode_one(ct[k], out, &o);
            /* in from but beyond to: removed */
        }
        out[o] = '\0';
    }
    free(cs), free(cf), free(ct), free(s), free(from), free(to);
    return expr_str_own(ev, out);
}

static bool is_xml_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

sk_value fn_normalize_space(evaluator *ev, const node *n)
{
    char *s = n->n_args ? expr_arg_string(ev, n, 0) : strdup(expr_self(ev));
    if (!s)
        return expr_str_own(ev, NULL);
    size_t o = 0;
    bool pending = false;
    for (size_t i = 0; s[i]; i++) {
        if (is_xml_space(s[i])) {
            pending = o > 0;
            continue;
        }
        if (pending)
            s[o++] = ' ';
        pending = false;
        s[o++] = s[i];
    }
    s[o] = '\0';
    return expr_str_own(ev, s);
}

static sk_value before_after(evaluator *ev, const node *n, bool after)
{
    char *s = expr_arg_string(ev, n, 0), *t = expr_arg_string(ev, n, 1);
    char *out = NULL;
    if (s && t) {
        const char *at = strstr(s, t);
        if (!at)
            out = strdup("");
        else if (after)
            out = strdup(at + strlen(t));
        else
            out = strndup(s, (size_t)(at - s));
    }
    free(s);
    free(t);
    return expr_str_own(ev, out);
}

sk_value fn_substring_before(evaluator *ev, const node *n) { return before_after(ev, n, false); }
sk_value fn_substring_after(evaluator *ev, const node *n) { return before_after(ev, n, true); }

/* XPath's round(): half towards positive infinity. */
static double xround(double x) { return isnan(x) || isinf(x) ? x : floor(x + 0.5); }

/* substring(s, start[, length]): XPath 1.0, 1-based, the characters at
 * positions p with round(start) <= p < round(start) + round(length). */
sk_value fn_substring(evaluator *ev, const node *n)
{
    char *s = expr_arg_string(ev, n, 0);
    double start = xround(expr_arg_number(ev, n, 1));
    double end = n->n_args > 2 ? start + xround(expr_arg_number(ev, n, 2)) : INFINITY;
    unsigned long *cs = NULL;
    size_t ns = s ? decode(s, &cs) : (size_t)-1;
    char *out = NULL;
    if (ns != (size_t)-1 && (out = malloc(ns * 4 + 1))) {
        size_t o = 0;
        for (size_t i = 0; i < ns; i++) {
            double p = (double)(i + 1);
            if (p >= start && p < end) /* NaN compares false: empty, as XPath */
                encode_one(cs[i], out, &o);
        }
        out[o] = '\0';
    }
    free(cs);
    free(s);
    return expr_str_own(ev, out);
}

sk_value fn_ends_with(evaluator *ev, const node *n)
{
    char *s = expr_arg_string(ev, n, 0), *t = expr_arg_string(ev, n, 1);
    bool r = false;
    if (s && t) {
        size_t ls = strlen(s), lt = strlen(t);
        r = lt <= ls && memcmp(s + ls - lt, t, lt) == 0;
    }
    free(s);
    free(t);
    return expr_bool(r);
}

/* join(separator, v...): the values with the separator between them. */
sk_value fn_join(evaluator *ev, const node *n)
{
    char *sep = expr_arg_string(ev, n, 0);
    size_t len = 0;
    char *out = strdup("");
    for (size_t i = 1; out && sep && i < n->n_args; i++) {
        char *v = expr_arg_string(ev, n, i);
        if (!v) {
            free(out);
            out = NULL;
            break;
        }
        size_t add = strlen(v) + (i > 1 ? strlen(sep) : 0);
        char *g = realloc(out, len + add + 1);
        if (!g) {
            free(v);
            free(out);
            out = NULL;
            break;
        }
        out = g;
        if (i > 1) {
            memcpy(out + len, sep, strlen(sep));
            len += strlen(sep);
        }
        memcpy(out + len, v, strlen(v));
        len += strlen(v);
        out[len] = '\0';
        free(v);
    }
    free(sep);
    return expr_str_own(ev, out);
}

/* selected-at(list, i): the i-th (from 0) choice of a select_multiple answer, "" past the end. */
sk_value fn_selected_at(evaluator *ev, const node *n)
{
    char *list = expr_arg_string(ev, n, 0);
    double want = expr_arg_number(ev, n, 1);
    char *out = NULL;
    if (list) {
        const char *p = list;
        double i = 0;
        out = strdup("");
        while (out && *p) {
            while (*p == ' ')
                p++;
            if (!*p)
                break;
            size_t k = strcspn(p, " ");
            if (i == floor(want) && want >= 0) {
                free(out);
                out = strndup(p, k);
                break;
            }
            p += k;
            i++;
        }
    }
    free(list);
    return expr_str_own(ev, out);
}

/* boolean-from-string(s): true for 'true' and '1' only, as JavaRosa. */
sk_value fn_boolean_from_string(evaluator *ev, const node *n)
{
    char *s = expr_arg_string(ev, n, 0);
    bool r = s && (strcmp(s, "true") == 0 || strcmp(s, "1") == 0);
    free(s);
    return expr_bool(r);
}

/* once(x): the question's value when it has one, else x (so a calculation
 * with once() keeps its first non-empty result). */
sk_value fn_once(evaluator *ev, const node *n)
{
    const char *self = expr_self(ev);
    if (*self)
        return expr_str(ev, self);
    return expr_arg(ev, n, 0);
}

/* uuid(): a random version 4 UUID; uuid(n): n random letters and digits. */
sk_value fn_uuid(evaluator *ev, const node *n)
{
    if (sodium_init() < 0)
        return expr_fail(ev, n, "uuid(): the random generator is not available");
    if (n->n_args == 0) {
        unsigned char b[16];
        randombytes_buf(b, sizeof b);
        b[6] = (unsigned char)((b[6] & 0x0F) | 0x40);
        b[8] = (unsigned char)((b[8] & 0x3F) | 0x80);
        char s[37];
        snprintf(s, sizeof s,
                 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0],
                 b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13],
                 b[14], b[15]);
        return expr_str(ev, s);
    }
    double len = expr_arg_number(ev, n, 0);
    if (!(len >= 0 && len <= 1000))
        return expr_fail(ev, n, "uuid(length) takes a length from 0 to 1000");
    static const char alnum[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    size_t k = (size_t)len;
    char *out = malloc(k + 1);
    for (size_t i = 0; out && i < k; i++)
        out[i] = alnum[randombytes_uniform(sizeof alnum - 1)];
    if (out)
        out[k] = '\0';
    return expr_str_own(ev, out);
}

/* digest(data, algorithm[, encoding]): every algorithm ODK's digest() takes
 * (MD5, SHA-1, SHA-256, SHA-384, SHA-512), as base64 (the default) or hex.
 * SHA-256 and SHA-512 come from libsodium; MD5, SHA-1 and SHA-384 from
 * nettle, which a build without it (the Windows build: SK_HAVE_NETTLE unset)
 * refuses, saying so. */
sk_value fn_digest(evaluator *ev, const node *n)
{
    char *data = expr_arg_string(ev, n, 0), *algo = expr_arg_string(ev, n, 1);
    char *enc = n->n_args > 2 ? expr_arg_string(ev, n, 2) : strdup("base64");
    sk_value r = expr_num(NAN);
    unsigned char h[crypto_hash_sha512_BYTES];
    size_t hl = 0;
    if (!data || !algo || !enc || sodium_init() < 0) {
        r = expr_str_own(ev, NULL);
    } else if (strcasecmp(algo, "SHA-256") == 0) {
        crypto_hash_sha256(h, (const unsigned char *)data, strlen(data));
        hl = crypto_hash_sha256_BYTES;
    } else if (strcasecmp(algo, "SHA-512") == 0) {
        crypto_hash_sha512(h, (const unsigned char *)data, strlen(data));
        hl = crypto_hash_sha512_BYTES;
#if SK_HAVE_NETTLE
    } else if (strcasecmp(algo, "MD5") == 0) {
        struct md5_ctx c;
        md5_init(&c);
        md5_update(&c, strlen(data), (const uint8_t *)data);
        md5_digest(&c, MD5_DIGEST_SIZE, h);
        hl = MD5_DIGEST_SIZE;
    } else if (strcasecmp(algo, "SHA-1") == 0) {
        struct sha1_ctx c;
        sha1_init(&c);
        sha1_update(&c, strlen(data), (const uint8_t *)data);
        sha1_digest(&c, SHA1_DIGEST_SIZE, h);
        hl = SHA1_DIGEST_SIZE;
    } else if (strcasecmp(algo, "SHA-384") == 0) {
        struct sha384_ctx c;
        sha384_init(&c);
        sha384_update(&c, strlen(data), (const uint8_t *)data);
        sha384_digest(&c, SHA384_DIGEST_SIZE, h);
        hl = SHA384_DIGEST_SIZE;
#else
    } else if (strcasecmp(algo, "MD5") == 0 || strcasecmp(algo, "SHA-1") == 0 ||
               strcasecmp(algo, "SHA-384") == 0) {
        r = expr_fail(ev, n, "digest(): %s is not available in this build (no nettle); use "
                             "'SHA-256' or 'SHA-512'", algo);
#endif
    } else {
        char q[100];
        r = expr_fail(ev, n, "digest(): unknown algorithm '%s'; use 'MD5', 'SHA-1', 'SHA-256', "
                             "'SHA-384' or 'SHA-512'",
                      sk_expr_quote(q, sizeof q, algo, 30));
    }
    if (hl) {
        if (strcasecmp(enc, "hex") == 0) {
            char out[2 * crypto_hash_sha512_BYTES + 1];
            sodium_bin2hex(out, sizeof out, h, hl);
            r = expr_str(ev, out);
        } else if (strcasecmp(enc, "base64") == 0) {
            char out[sodium_base64_ENCODED_LEN(crypto_hash_sha512_BYTES,
                                               sodium_base64_VARIANT_ORIGINAL)];
            sodium_bin2base64(out, sizeof out, h, hl, sodium_base64_VARIANT_ORIGINAL);
            r = expr_str(ev, out);
        } else {
            char q[100];
            r = expr_fail(ev, n, "digest(): unknown encoding '%s'; use 'base64' or 'hex'",
                          sk_expr_quote(q, sizeof q, enc, 30));
        }
    }
    free(data);
    free(algo);
    free(enc);
    return r;
}

/* base64-decode(s): the UTF-8 text s encodes; "" when s is not base64 or
 * not text. */
sk_value fn_base64_decode(evaluator *ev, const node *n)
{
    char *s = expr_arg_string(ev, n, 0);
    if (!s || sodium_init() < 0)
        return expr_str_own(ev, NULL);
    size_t cap = strlen(s) + 1, len = 0;
    unsigned char *bin = malloc(cap);
    char *out = NULL;
    if (bin && sodium_base642bin(bin, cap, s, strlen(s), " \n\r", &len, NULL,
                                 sodium_base64_VARIANT_ORIGINAL) == 0 &&
        memchr(bin, 0, len) == NULL) {
        out = strndup((const char *)bin, len);
    } else if (bin) {
        out = strdup("");
    }
    free(bin);
    free(s);
    return expr_str_own(ev, out);
}

static const char *property(const evaluator *ev, const char *name)
{
    const char *v = NULL;
    if (ev->ctx && ev->ctx->property)
        v = ev->ctx->property(ev->ctx->user, name);
    return v ? v : "";
}

/* version(): the form's version (settings sheet). */
sk_value fn_version(evaluator *ev, const node *n)
{
    (void)n;
    return expr_str(ev, property(ev, "version"));
}

/* property(name): deviceid, username, email, phonenumber ... as the runtime
 * knows them; "" for the ones a kiosk does not have. */
sk_value fn_property(evaluator *ev, const node *n)
{
    char *name = expr_arg_string(ev, n, 0);
    if (!name)
        return expr_str_own(ev, NULL);
    const char *p = name;
    if (strncmp(p, "orx:", 4) == 0)
        p += 4;
    sk_value r = expr_str(ev, property(ev, p));
    free(name);
    return r;
}
