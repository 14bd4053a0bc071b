/* floor-yaml.c - the bare parse floor for benchmarks: pulls every event of a
 * YAML stream through libyaml's parser and counts the scalars, nothing else.
 *   cc -O2 -o floor-yaml floor-yaml.c -lyaml */
#include <stdio.h>
#include <yaml.h>

int main(int argc, char **argv)
{
    yaml_parser_t p;
    yaml_event_t ev;
    unsigned long long scalars = 0, docs = 0;
    FILE *f = argc > 1 ? fopen(argv[1], "rb") : stdin;
    if (!f || !yaml_parser_initialize(&p)) {
        perror("floor-yaml");
        return 2;
    }
    yaml_parser_set_input_file(&p, f);
    for (;;) {
        if (!yaml_parser_parse(&p, &ev)) {
            fprintf(stderr, "floor-yaml: %s\n", p.problem ? p.problem : "error");
            return 2;
        }
        int done = ev.type == YAML_STREAM_END_EVENT;
        scalars += ev.type == YAML_SCALAR_EVENT;
        docs += ev.type == YAML_DOCUMENT_START_EVENT;
        yaml_event_delete(&ev);
        if (done) break;
    }
    yaml_parser_delete(&p);
    printf("%llu documents, %llu scalars\n", docs, scalars);
    return 0;
}
