/* pm-report - figures against targets (docs/CONTRACT.md section 9).  See cli.c. */
int rpt_main(int argc, char **argv);

int main(int argc, char **argv)
{
    return rpt_main(argc, argv);
}
