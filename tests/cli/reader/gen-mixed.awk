# gen-mixed.awk - 20,000 good records with bad ones of every kind spliced in
# at random places (tests/cli/test_reader.sh).  Variables:
#   seed, fmt (csv|yaml), zh (1: descriptions carry Chinese), out (data file),
#   good (file of "id<TAB>description" expected out), bad (lines expected
#   in the rejects).  @BAD@ and @NUL@ mark bytes the caller substitutes (an
#   undecodable byte and NUL) after converting the encoding.
function emit(s) { print s > out; line++ }
function good_rec(i, tail,   d) {
    d = "d" i (zh ? "王伟" : "")
    if (fmt == "csv") {
        if (tail) { emit("G" i ",repair,2024-07-03 09:00,\"" d "\" x"); d = d " x" }
        else if (swapped) emit("2024-07-03 09:00,G" i ",repair," d)
        else emit("G" i ",repair,2024-07-03 09:00," d)
    } else {
        emit("--- {id: G" i ", kind: repair, created_at: \"2024-07-03 09:00\", description: " d "}")
    }
    print "G" i "\t" d > good
}
function bad_rec(kind, i) {
    print line + 1 > bad
    if (fmt == "csv") {
        if (kind == 0) emit("R" i ",repair,2024-07-03 09:00,d,surplus")
        else if (kind == 1) emit("N" i ",repair,2024-07-03 09:00,a@NUL@b")
        else emit("X" i ",repair,2024-07-03 09:00,a@BAD@b")
    } else {
        if (kind == 0) emit("--- {id: M" i ", kind: repair, description: x")
        else if (kind == 1) emit("--- null")
        else if (kind == 2) emit("---")
        else if (kind == 3) emit("--- {id: D" i ", kind: repair, kind: complaint, created_at: \"2024-07-03 09:00\"}")
        else if (kind == 4) emit("--- {id: X" i ", kind: repair, created_at: \"2024-07-03 09:00\", description: a@BAD@b}")
        else emit("--- {id: N" i ", kind: repair, created_at: \"2024-07-03 09:00\", description: a@NUL@b}")
    }
}
BEGIN {
    srand(seed); n = 20000; line = 0; swapped = 0
    kinds = fmt == "csv" ? 3 : 6
    unclosed = 9000 + int(rand() * 2000); block = 3000 + int(rand() * 2000); stray = 15000 + int(rand() * 2000)
    if (fmt == "csv") emit("id,kind,created_at,description")
    for (i = 1; i <= n; i++) {
        if (rand() < 0.004) bad_rec(int(rand() * kinds), i)
        if (fmt == "csv" && i == unclosed) {
            print line + 1 > bad
            emit("U" i ",repair,2024-07-03 09:00,\"never closed")
        }
        if (fmt == "csv" && i == block) { emit(""); emit("created_at,id,kind,description"); swapped = 1 }
        if (fmt == "csv" && i == stray) emit("")
        # text after a closing quote, but never within 1,100 lines after
        # the unclosed quote (its quote would close that one)
        tail = fmt == "csv" && !swapped && rand() < 0.003 && !(i >= unclosed && i <= unclosed + 1100)
        good_rec(i, tail)
    }
}
