# read_psych.rb FILE - reads a pm YAML stream with Ruby's Psych and prints its
# documents as one JSON array.  pm writes one document per line (pm-formats(5)),
# so each line goes through YAML.safe_load: plain classes only, so a value
# Psych would turn into a Symbol, Date or Time fails instead of passing as text.
require 'yaml'
require 'json'
docs = []
File.foreach(ARGV[0], encoding: 'UTF-8') { |line| docs << YAML.safe_load(line) }
print JSON.generate(docs)
