/* test_form_compat.c - forms other people wrote: pyxform's spellings, what
 * a kiosk accepts and ignores, what it does not collect, group paths, and
 * the reader defects of issue 11.  One row of the table per spelling or
 * defect; each row is a small pyxform markdown form and what a researcher
 * would check: it loads (and the model says what pyxform means), it loads
 * with a warning at a place, or it is refused at a place. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sk/form.h"

typedef struct compat_case {
    const char *what;
    const char *md;
    /* "ok", "warn WHERE FRAGMENT" or "error WHERE FRAGMENT"; WHERE is
     * sheet:row or sheet:row:col, "-" for a file-level message */
    const char *want;
    /* fragments of sk_form_dump that must appear, separated by '\n' ("" none) */
    const char *dump;
} compat_case;

#define S "| survey |\n"
#define C "| choices |\n"
#define T "| settings |\n"

static const compat_case cases[] = {
    /* ---- pyxform's spellings (issue 11, item 5) */
    {"type string", S "| | type | name | label |\n| | string | a | A |\n", "ok", "text a parent=-1"},
    {"begin repeat with jr:count",
     S "| | type | name | label | jr:count |\n| | begin repeat | kids | Kids | 2 |\n"
       "| | text | a | A | |\n| | end repeat | | | |\n",
     "ok", "begin_group kids parent=-1 end=2 repeat count=2\ntext a parent=0"},
    {"begin_repeat with repeat_count",
     S "| | type | name | label | repeat_count |\n| | integer | n | N | |\n"
       "| | begin_repeat | kids | Kids | ${n} |\n| | text | a | A | |\n| | end_repeat | | | |\n",
     "ok", "begin_group kids parent=-1 end=3 repeat count=${n}"},
    {"begin repeat with control::jr:count",
     S "| | type | name | label | control::jr:count |\n| | begin repeat | pets | Pets | 3 |\n"
       "| | text | p | P | |\n| | end repeat | | | |\n",
     "ok", "begin_group pets parent=-1 end=2 repeat count=3"},
    {"select one from L",
     S "| | type | name | label |\n| | select one from yn | a | A |\n" C
       "| | list_name | name | label |\n| | yn | y | Yes |\n",
     "ok", "select_one a parent=-1 list=yn"},
    {"select all that apply from L",
     S "| | type | name | label |\n| | select all that apply from yn | a | A |\n" C
       "| | list_name | name | label |\n| | yn | y | Yes |\n",
     "ok", "select_multiple a parent=-1 list=yn"},
    {"select all that apply L",
     S "| | type | name | label |\n| | select all that apply yn | a | A |\n" C
       "| | list_name | name | label |\n| | yn | y | Yes |\n",
     "ok", "select_multiple a parent=-1 list=yn"},
    {"select_one L or_other",
     S "| | type | name | label |\n| | select_one yn or_other | a | A |\n| | integer | b | B |\n" C
       "| | list_name | name | label |\n| | yn | y | Yes |\n",
     "ok",
     "select_one a parent=-1 list=yn or_other\n#1 row=2 text a_other parent=-1\n"
     "label[default] \"Specify other.\"\nrelevant \"selected(${a}, 'other')\"\n"
     "choice row=2 other\n      label[default] \"Other\"\n#2 row=3 integer b"},
    {"select_multiple L or specify other",
     S "| | type | name | label |\n| | select_multiple yn or specify other | a | A |\n" C
       "| | list_name | name | label |\n| | yn | y | Yes |\n| | yn | other | Something else |\n",
     "ok", "text a_other\nlist yn (2)"},
    {"label:English (one colon)",
     S "| | type | name | label:English | hint:English |\n| | text | a | A | H |\n", "ok",
     "[0] English (English)\nlabel[English] \"A\"\nhint[English] \"H\""},
    {"jr:constraintMsg with one colon beside label:English",
     S "| | type | name | label:English | constraint | jr:constraintMsg:English |\n"
       "| | integer | a | A | . > 0 | Positive |\n",
     "ok", "constraint_message[English] \"Positive\""},
    {"bind:relevant, bind:constraint, bind:required, control:appearance",
     S "| | type | name | label | bind:relevant | bind:constraint | bind:required | control:appearance |\n"
       "| | integer | a | A | | | | |\n"
       "| | text | b | B | ${a} > 1 | string-length(.) < 9 | yes | multiline |\n",
     "ok",
     "text b parent=-1 appearance=multiline\n    relevant \"${a} > 1\"\n"
     "    constraint \"string-length(.) < 9\"\n    required \"yes\""},
    {"bind::jr:constraintMsg::English and bind::calculate",
     S "| | type | name | label::English | bind::calculate | bind::jr:constraintMsg::English |\n"
       "| | calculate | c | | 1 + 1 | |\n| | integer | a | A | | Too big |\n",
     "ok", "calculation \"1 + 1\"\nconstraint_message[English] \"Too big\""},
    {"relevance and requiredMsg",
     S "| | type | name | label | relevance | required | requiredMsg |\n"
       "| | integer | a | A | | | |\n| | integer | b | B | ${a} > 1 | yes | Please |\n",
     "ok", "relevant \"${a} > 1\"\nrequired_message[default] \"Please\""},
    {"settings title and id_string",
     S "| | type | name | label |\n| | text | a | A |\n" T
       "| | title | id_string | version |\n| | My survey | my_survey | 7 |\n",
     "ok", "form id=my_survey version=7\n  title \"My survey\""},
    /* pyxform >= 1.0, ODK Collect and Central take any text as a form id */
    {"form_id with a space",
     S "| | type | name | label |\n| | text | a | A |\n" T
       "| | form_title | form_id |\n| | Spec test | Spec test |\n",
     "ok", "form id=Spec test version="},
    {"form_id longer than a record carries",
     S "| | type | name | label |\n| | text | a | A |\n" T "| | form_id |\n"
       "| | a_form_id_of_sixty_five_bytes_which_is_one_more_than_records_carr |\n",
     "error settings:2:A form_id is 65 bytes long; records carry at most 64", ""},
    {"form_id with a tab",
     "csv:survey,,,\n,type,name,label\n,text,a,A\nsettings,,,\n,form_id,,\n,My\tSurvey,,\n",
     "error settings:2:A form_id holds a control character", ""},
    {"note row with no name", S "| | type | name | label |\n| | note | | Welcome |\n| | text | a | A |\n",
     "ok", "note note#2 parent=-1"},
    {"relevant TRUE / required FALSE (Excel booleans)",
     S "| | type | name | label | relevant | required |\n| | text | a | A | TRUE | FALSE |\n"
       "| | text | b | B | no | TRUE |\n",
     "ok", "page 0 group=-1: a\npage 1 group=-1: b"},
    {"plain label with default_language",
     S "| | type | name | label | label::French |\n| | text | a | A | Un |\n" T
       "| | default_language |\n| | English |\n",
     "ok", "languages 2 default=0\n  [0] English (English)\n  [1] French (French)\nlabel[English] \"A\""},
    {"dateTime (a date and a time together)", S "| | type | name | label |\n| | dateTime | when | When |\n"
       "| | date time | w2 | W2 |\n| | add datetime prompt | w3 | W3 |\n",
     "ok", "dateTime when parent=-1\ndateTime w2 parent=-1\ndateTime w3 parent=-1"},
    {"start-geopoint", S "| | type | name | label |\n| | start-geopoint | loc | |\n| | text | a | A |\n",
     "warn survey:2 start-geopoint 'loc' is not collected on a kiosk", "source_type=start-geopoint"},
    {"imei", S "| | type | name |\n| | imei | dev |\n| | text | a |\n", "error survey:3 has no label",
     "deviceid dev"},
    {"imei is deviceid", S "| | type | name | label |\n| | imei | dev | |\n| | uri:deviceid | dev2 | |\n",
     "ok", "deviceid dev parent=-1\n  #1 row=3 deviceid dev2"},
    {"phone metadata", S "| | type | name | label |\n| | username | u | |\n| | phonenumber | p | |\n"
       "| | simserial | s | |\n| | subscriberid | i | |\n| | email | e | |\n",
     "ok", "not_collected u parent=-1 source_type=username\nsource_type=email"},
    /* ---- what a kiosk does not collect (item 3) */
    {"geopoint", S "| | type | name | label |\n| | geopoint | where | Where |\n",
     "warn survey:2 geopoint 'where' is not collected on a kiosk; it will be left empty",
     "not_collected where parent=-1 source_type=geopoint\npages 0"},
    {"image (a photo) is not a signature", S "| | type | name | label |\n| | image | photo | Photo |\n",
     "warn survey:2 image 'photo' is not collected on a kiosk", "source_type=image"},
    {"image with appearance signature", S "| | type | name | label | appearance |\n| | image | sig | Sign | signature |\n",
     "ok", "signature sig"},
    {"audio video file barcode geotrace geoshape",
     S "| | type | name | label |\n| | audio | a | A |\n| | video | v | V |\n| | file | f | F |\n"
       "| | barcode | b | B |\n| | geotrace | t | T |\n| | geoshape | s | S |\n",
     "warn survey:7 geoshape 's' is not collected", "source_type=barcode"},
    {"select_one_from_file", S "| | type | name | label |\n| | select_one_from_file towns.csv | t | Town |\n",
     "warn survey:2 select_one_from_file 't' is not collected", ""},
    {"relevance reads an uncollected question",
     S "| | type | name | label | relevant |\n| | geopoint | where | Where | |\n"
       "| | text | a | A | ${where} != '' |\n",
     "warn survey:2 geopoint 'where'", ""},
    /* ---- things that change nothing on a kiosk (item 4) */
    {"ignored settings",
     S "| | type | name | label |\n| | text | a | A |\n" T
       "| | instance_name | public_key | submission_url | style | namespaces | allow_choice_duplicates |\n"
       "| | concat(${a}) | MIIB | https://x | pages | esri=\"x\" | yes |\n",
     "ok", ""},
    {"unknown setting", S "| | type | name | label |\n| | text | a | A |\n" T "| | colour |\n| | blue |\n",
     "warn settings:1:A unknown setting 'colour' is ignored", ""},
    {"misspelt kiosk setting", S "| | type | name | label |\n| | text | a | A |\n" T "| | kiosk_idel_timeout |\n| | 30 |\n",
     "error settings:1:A unknown kiosk setting 'kiosk_idel_timeout'", ""},
    {"extra sheets",
     S "| | type | name | label |\n| | text | a | A |\n| external_choices |\n| | list_name | name |\n"
       "| | x | y |\n| choices-backup |\n| | a |\n| | b |\n| notes |\n| | anything |\n",
     "ok", ""},
    {"comment column", S "| | type | name | label | notes |\n| | text | a | A | ask politely |\n",
     "warn survey:1:D the column 'notes' is not read by the kiosk; it is ignored", ""},
    {"empty unknown column", S "| | type | name | label | notes |\n| | text | a | A | |\n", "ok", ""},
    {"instance:: bind:: body:: columns",
     S "| | type | name | label | instance::odk:tag | bind::odk:length | body::accuracyThreshold | bind::type |\n"
       "| | text | a | A | x | 5 | 3 | string |\n",
     "ok", ""},
    {"empty media columns", S "| | type | name | label | media::image | media::audio | video |\n| | text | a | A | | | |\n",
     "ok", ""},
    {"audio media", S "| | type | name | label | media::audio |\n| | text | a | A | hello.mp3 |\n",
     "warn survey:1:D audio and video are not played on a kiosk", ""},
    {"display-only appearances",
     S "| | type | name | label | appearance |\n| | select_one yn | a | A | compact |\n"
       "| | select_multiple yn | b | B | columns no-ticks |\n| | text | c | C | numbers |\n"
       "| | date | d | D | no-calendar |\n| | select_one yn | e | E | quick minimal |\n" C
       "| | list_name | name | label |\n| | yn | y | Yes |\n",
     "ok", "select_one e parent=-1 list=yn appearance=minimal"},
    {"unknown appearance", S "| | type | name | label | appearance |\n| | text | a | A | sparkly |\n",
     "warn survey:2:D unknown appearance 'sparkly' is ignored", ""},
    {"appearance on the wrong type", S "| | type | name | label | appearance |\n| | date | a | A | minimal |\n",
     "warn survey:2:D ignored on a date row", "date a parent=-1 appearance=\n"},
    {"month-year and year appearances on dates",
     S "| | type | name | label | appearance |\n| | date | m | M | month-year |\n| | date | y | Y | year |\n",
     "ok", "date m parent=-1 appearance=month-year\ndate y parent=-1 appearance=year"},
    {"month-year on a text row", S "| | type | name | label | appearance |\n| | text | t | T | month-year |\n",
     "warn survey:2:D month-year and year apply to date questions only; ignored on a text row", ""},
    {"xml-external declares data",
     S "| | type | name | label |\n| | xml-external | towns | |\n| | text | a | A |\n", "ok", "questions 1"},
    {"a picture with a folder part",
     S "| | type | name | label | media::image |\n| | note | n | N | ../secret.png |\n",
     "error survey:2 the picture '../secret.png' is not a plain file name", ""},
    {"a note with only a picture", S "| | type | name | media::image |\n| | note | n | logo.png |\n",
     "ok", "note n parent=-1"},
    {"a picture in a language that has no texts (ASan found the choices' arrays too short)",
     S "| | type | name | label | image::Chinese |\n| | select_one yn | q | Q | q.png |\n" C
       "| | list_name | name | label | image::Chinese |\n| | yn | y | Yes | y.png |\n",
     "ok", "languages 1"},
    /* ---- group paths (item 5) */
    {"a name in two groups becomes its path",
     S "| | type | name | label |\n| | begin group | household | H |\n| | integer | age | Age |\n"
       "| | end group | | |\n| | begin group | person | P |\n| | integer | age | Age |\n"
       "| | end group | | |\n",
     "ok", "integer household/age parent=0 by_path\ninteger person/age parent=3 by_path"},
    {"a top-level name and a group name", S "| | type | name | label |\n| | integer | age | Age |\n"
       "| | begin group | g | G |\n| | integer | age | Age |\n| | end group | | |\n",
     "ok", "integer age parent=-1 appearance\ninteger g/age parent=1 by_path"},
    {"a name twice in one group",
     S "| | type | name | label |\n| | begin group | g | G |\n| | integer | age | Age |\n"
       "| | text | age | Age |\n| | end group | | |\n",
     "error survey:4:B duplicate name 'age' (also on row 3)", ""},
    {"an ambiguous reference",
     S "| | type | name | label | relevant |\n| | begin group | g | G | |\n| | integer | age | Age | |\n"
       "| | end group | | | |\n| | integer | age | Age | |\n| | text | t | T | ${age} > 1 |\n",
     "error survey:6:D several questions in different groups are called 'age'", ""},
    /* ---- loops over a choice list, expanded as pyxform does (tests/test_loop.py there) */
    {"begin loop over a list: a group per choice, %(label)s and %(name)s replaced",
     S "| | type | name | label::English | label::French | hint::English |\n"
       "| | begin loop over types | veh | Vehicles | Vehicules | |\n"
       "| | integer | total | How many %(label)s? | Combien de %(label)s ? | code %(name)s |\n"
       "| | integer | working | Working? | Marchent ? | |\n| | end loop | | | | |\n" C
       "| | list_name | name | label::English | label::French |\n"
       "| | types | car | Car | Voiture |\n| | types | motor_cycle | Motorcycle | Moto |\n"
       "| | types | none | None | Aucun |\n",
     "ok",
     "#0 row=2 begin_group veh parent=-1 end=9\n    label[English] \"Vehicles\"\n"
     "#1 row=2 begin_group car parent=0 end=4\n    label[English] \"Car\"\n"
     "    label[French] \"Voiture\"\n"
     "#2 row=3 integer veh/car/total parent=1 by_path\n    label[English] \"How many Car?\"\n"
     "    label[French] \"Combien de Voiture ?\"\n    hint[English] \"code car\"\n"
     "#3 row=4 integer veh/car/working parent=1 by_path\n"
     "#5 row=2 begin_group motor_cycle parent=0 end=8\n"
     "#6 row=3 integer veh/motor_cycle/total parent=5 by_path\n"
     "    label[English] \"How many Motorcycle?\"\n"
     "#9 row=5 end_group"},
    {"begin_loop L and an untranslated choice label",
     S "| | type | name | label:English | constraint |\n| | begin_loop c1 | l1 | |\n"
       "| | integer | q1 | Size of %(label)s | . < 10 |\n| | end_loop | | | |\n" C
       "| | list_name | name | label |\n| | c1 | thing1 | Thing 1 |\n",
     "ok", "integer q1 parent=1 appearance=\n    label[English] \"Size of Thing 1\""},
    {"a loop over an unknown list",
     S "| | type | name | label |\n| | begin loop over nope | l | L |\n| | integer | q | Q |\n"
       "| | end loop | | |\n" C "| | list_name | name | label |\n| | yn | y | Yes |\n",
     "error survey:2:A unknown choice list 'nope' (or it has no choices)", ""},
    {"a loop with no list",
     S "| | type | name | label |\n| | begin loop | l | L |\n| | integer | q | Q |\n| | end loop | | |\n",
     "error survey:2:A a loop needs a choice list: write 'begin loop over LIST'", ""},
    {"a repeat inside a loop",
     S "| | type | name | label |\n| | begin loop over yn | l | L |\n| | begin repeat | r | R |\n"
       "| | integer | q | Q |\n| | end repeat | | |\n| | end loop | | |\n" C
       "| | list_name | name | label |\n| | yn | y | Yes |\n",
     "error survey:3:A a repeat inside the loop 'l' (row 2) is not supported", ""},
    {"a loop never closed",
     S "| | type | name | label |\n| | begin loop over yn | l | L |\n| | integer | q | Q |\n" C
       "| | list_name | name | label |\n| | yn | y | Yes |\n",
     "error survey:2:A the loop 'l' is never closed", ""},
    {"end loop with no begin",
     S "| | type | name | label |\n| | integer | q | Q |\n| | end loop | | |\n",
     "error survey:3:A end loop without a matching begin loop", ""},
    {"a choice name that cannot name a group",
     S "| | type | name | label |\n| | begin loop over n | l | L |\n| | integer | q | Q |\n"
       "| | end loop | | |\n" C "| | list_name | name | label |\n| | n | 1 | One |\n",
     "error choices:2:B the choice name '1' names a group of the loop 'l' (survey row 2)", ""},
    {"a mistake inside a loop is told once, at its row",
     S "| | type | name | label | constraint |\n| | begin loop over yn | l | L | |\n"
       "| | integer | q | Q | . >> 1 |\n| | end loop | | | |\n" C
       "| | list_name | name | label |\n| | yn | y | Yes |\n| | yn | n | No |\n",
     "error survey:3:D syntax error in constraint", ""},
    /* ---- reader defects (item 8) */
    {"blanks around cells, headers and sheet names",
     "csv:survey\xc2\xa0,,,\n, type ,\xc2\xa0name,\"label::English\n\"\n,\xc2\xa0text  ,a\xc2\xa0 , A\n",
     "ok", "text a parent=-1\nlabel[English] \"A\""},
    {"group named meta",
     S "| | type | name | label |\n| | begin group | meta | M |\n| | text | a | A |\n| | end group | | |\n",
     "error survey:2:B the group name 'meta' is reserved", ""},
    {"reference to a row refused for its type",
     S "| | type | name | label | relevant |\n| | begin lgroup | kids | Kids | |\n| | end lgroup | | | |\n"
       "| | text | a | A | ${kids} > 0 |\n",
     "error survey:4:D refers to ${kids}, whose row (survey row 2) is refused for its type 'begin_lgroup'",
     ""},
    {"unknown type is still an error", S "| | type | name | label |\n| | geopint | a | A |\n",
     "error survey:2:A unknown type 'geopint'", ""},
};

static void where_of(const sk_error *e, char *buf, size_t size)
{
    if (!e->sheet[0])
        snprintf(buf, size, "-");
    else if (!e->column[0])
        snprintf(buf, size, "%s:%u", e->sheet, e->row);
    else
        snprintf(buf, size, "%s:%u:%s", e->sheet, e->row, e->column);
}

/* A problem or warning in list whose place is where and message holds frag. */
static int has(const sk_diags *list, const char *where, const char *frag)
{
    for (size_t k = 0; k < list->n; k++) {
        char w[128];
        where_of(&list->items[k], w, sizeof w);
        if (strcmp(w, where) == 0 && strstr(list->items[k].message, frag))
            return 1;
    }
    return 0;
}

static void show(const char *title, const sk_diags *list)
{
    for (size_t k = 0; k < list->n; k++) {
        char line[1200];
        sk_error_format(&list->items[k], line, sizeof line);
        print_message("  %s: %s\n", title, line);
    }
}

static void test_compat_table(void **state)
{
    (void)state;
    int failed = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const compat_case *c = &cases[i];
        sk_form *form = NULL;
        sk_diags diags;
        sk_error err;
        sk_diags_init(&diags);
        sk_error_clear(&err);
        /* "csv:" cases are pyxform CSV (a cell may hold a line break) */
        int csv = strncmp(c->md, "csv:", 4) == 0;
        const char *text = csv ? c->md + 4 : c->md;
        sk_status st = sk_form_load_mem(text, strlen(text), csv ? "compat.csv" : "compat.md", &form,
                                        &diags, &err);
        char kind[8] = "", where[64] = "";
        const char *frag = "";
        if (strcmp(c->want, "ok") != 0) {
            sscanf(c->want, "%7s %63s", kind, where);
            frag = strchr(strchr(c->want, ' ') + 1, ' ') + 1;
        }
        int ok = 1;
        if (strcmp(kind, "error") == 0) {
            ok = st == SK_ERR_INVALID && has(&diags, where, frag);
        } else {
            ok = st == SK_OK;
            if (ok && strcmp(kind, "warn") == 0)
                ok = has(&form->warnings, where, frag);
            else if (ok)
                ok = form->warnings.n == 0;
        }
        char *dump = form ? sk_form_dump(form) : NULL;
        /* an error case's dump fragments are not checked (no model) */
        for (const char *p = c->dump; ok && form && *p;) {
            size_t n = strcspn(p, "\n");
            char frag_line[256];
            snprintf(frag_line, sizeof frag_line, "%.*s", (int)n, p);
            if (!strstr(dump, frag_line)) {
                print_message("  dump lacks '%s'\n%s", frag_line, dump);
                ok = 0;
            }
            p += n + (p[n] == '\n');
        }
        if (!ok) {
            print_message("case '%s': want %s; got status %s %s\n", c->what, c->want,
                          sk_status_name(st), err.message);
            show("problem", &diags);
            if (form)
                show("warning", &form->warnings);
            failed++;
        }
        free(dump);
        sk_form_free(form);
        sk_diags_free(&diags);
    }
    if (failed)
        fail_msg("%d of %zu cases failed", failed, sizeof cases / sizeof cases[0]);
}

/* relevant yes/TRUE means always asked (no expression); no/FALSE never. */
static void test_relevant_booleans(void **state)
{
    (void)state;
    static const char md[] = S "| | type | name | label | relevant |\n| | text | a | A | yes |\n"
                               "| | text | b | B | TRUE |\n| | text | c | C | FALSE |\n| | text | d | D | no |\n";
    sk_form *form = NULL;
    sk_diags diags;
    sk_diags_init(&diags);
    assert_int_equal(sk_form_load_mem(md, sizeof md - 1, "b.md", &form, &diags, NULL), SK_OK);
    assert_null(form->q[0].relevant);
    assert_null(form->q[1].relevant);
    assert_non_null(form->q[2].relevant);
    assert_non_null(form->q[3].relevant);
    sk_form_free(form);
    sk_diags_free(&diags);
}

/* A long cell quoted in a message: the message keeps its start and its
 * advice, and is located; a line break inside an expression is escaped. */
static void test_long_and_multiline_messages(void **state)
{
    (void)state;
    char csv[4096];
    char longname[1500];
    memset(longname, 'x', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    snprintf(csv, sizeof csv,
             "survey,,,,\n,type,name,label,relevant\n,text,a,A,${%s} > 1\n"
             ",text,b,B,\"${a} >\n  1 +\"\n",
             longname);
    sk_form *form = NULL;
    sk_diags diags;
    sk_diags_init(&diags);
    sk_status st = sk_form_load_mem(csv, strlen(csv), "long.csv", &form, &diags, NULL);
    (void)st;
    int saw_long = 0;
    for (size_t k = 0; k < diags.n; k++) {
        const sk_error *e = &diags.items[k];
        assert_null(strchr(e->message, '\n'));
        assert_true(e->row > 0);
        if (e->row == 2) {
            saw_long = 1;
            assert_string_equal(e->sheet, "survey");
            assert_non_null(strstr(e->message, "the relevant refers to ${xxx"));
            assert_non_null(strstr(e->message, " [...] "));
            assert_non_null(strstr(e->message, "check the name")); /* the advice survives */
        }
    }
    assert_true(saw_long);
    assert_true(has(&diags, "survey:3:D", "syntax error in relevant \"${a} >\\n  1 +\""));
    sk_form_free(form);
    sk_diags_free(&diags);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_compat_table),
        cmocka_unit_test(test_relevant_booleans),
        cmocka_unit_test(test_long_and_multiline_messages),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
