# messy.awk - turns tools/gen-tickets.sh output into tickets whose free text
# holds what YAML readers trip over: '?', '#', ':', quotes, leading
# indicators, words YAML 1.1 reads as booleans or numbers, spaces at either
# end, Chinese text and full-width punctuation.  Extra columns have odd names.
#   awk -f messy.awk [-v long=1] < tickets.csv
# Deterministic (no rand): row i takes pieces by index.  With long=1 two more
# columns have names of 300 and 1,170 characters (YAML's implicit keys end
# at 1,024).
BEGIN {
    FS = ","
    n = split("why? nobody came|漏水? 还是渗水?|电梯故障：已报修，等待配件？|note: call back at 5|a # not a comment|#hashtag first|- dash first|? question first|: colon first|! bang first|& amp first|* star first|[ bracket first|{ brace first|] close|} close|, comma first|> greater first|%percent first|@ at first|`tick first|'single' quotes|\"double\" quotes inside|  leading spaces|trailing spaces  |  both ends  |yes|no|null|~|1e3|0x1F|.inf|-.inf|.NaN|True|NO|on|Off|y|n|1_000|12:30|2024-01-01|<<|=|a, b and c|x: y|key:value|http://example.cn/a?b=1#c|ends with colon:|ends with hash #|tab\there|back\\slash|café é|😀 emoji|...|---|--- {a: b}|\"\"|''|a - b|中文，标点。“引号”‘单引号’|O'Brien said \"hi\"|why?|?|#|:|-|&a *a|!!str tag|%YAML 1.2|key: value, other: [1, 2]|multi\nline", P, "|")
    for (i = 1; i <= n; i++) gsub(/\\n/, "\n", P[i])
    for (i = 1; i <= n; i++) gsub(/\\t/, "\t", P[i])
}
function csvq(s) {
    if (s ~ /[",\n\r]/ || s ~ /^ | $/) { gsub(/"/, "\"\"", s); return "\"" s "\"" }
    return s
}
NR == 1 {
    h = $0 ",why?,a: b,#tag,yes,null,~,1e3,-dash,note #1,\"quote\"\"d\",中文？：键"
    if (long) {
        k1 = ""; for (i = 0; i < 30; i++) k1 = k1 "key? #" i " "
        k2 = ""; for (i = 0; i < 130; i++) k2 = k2 "long:key "
        h = h "," csvq(k1 "end") "," csvq(k2 "end")
    }
    print h
    next
}
{
    r = NR - 2
    d = P[r % n + 1]
    if (r % 3 == 0) d = d " " P[(r * 7) % n + 1]
    line = ""
    for (i = 1; i < 14; i++) line = line $i ","
    line = line csvq(d)
    m = long ? 13 : 11
    for (j = 1; j <= m; j++) line = line "," csvq(P[(r * 13 + j * 5) % n + 1])
    print line
}
