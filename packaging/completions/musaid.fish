# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_musaid_global_optspecs
    string join \n c/config= listen= store= log-level= h/help V/version
end

function __fish_musaid_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_musaid_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_musaid_using_subcommand
    set -l cmd (__fish_musaid_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c musaid -n "__fish_musaid_needs_command" -s c -l config -d 'Configuration file [default: /etc/musaid/musaid.toml]' -r -F
complete -c musaid -n "__fish_musaid_needs_command" -l listen -d 'Milter socket, overriding [milter] listen: inet:HOST:PORT or unix:PATH' -r
complete -c musaid -n "__fish_musaid_needs_command" -l store -d 'Store URL, overriding [store] url: sqlite:PATH, redis://HOST:PORT/DB, redis+sentinel://HOST:PORT/MASTER or redis+cluster://HOST:PORT,HOST:PORT' -r
complete -c musaid -n "__fish_musaid_needs_command" -l log-level -d 'Log level, overriding [log] level: error, warn, info, debug, trace' -r
complete -c musaid -n "__fish_musaid_needs_command" -s h -l help -d 'Print help'
complete -c musaid -n "__fish_musaid_needs_command" -s V -l version -d 'Print version'
complete -c musaid -n "__fish_musaid_needs_command" -f -a "serve" -d 'Run the milter'
complete -c musaid -n "__fish_musaid_needs_command" -f -a "check-config" -d 'Validate a configuration file and print every problem with file, line, column and key'
complete -c musaid -n "__fish_musaid_needs_command" -f -a "completions" -d 'Print a shell completion script (bash: save as /usr/share/bash-completion/completions/musaid)'
complete -c musaid -n "__fish_musaid_needs_command" -f -a "classify" -d 'Show what musaid would do with messages, without touching the store or sending anything'
complete -c musaid -n "__fish_musaid_needs_command" -f -a "store" -d 'Reach the configured store and describe it: backend, version, mode, latency, keys'
complete -c musaid -n "__fish_musaid_needs_command" -f -a "stats" -d 'What musaid did per mailbox lately (mail received by category, replies, response times, acknowledgements, escalations), from the store\'s counters'
complete -c musaid -n "__fish_musaid_needs_command" -f -a "blackhole" -d 'Black holes of a mailbox: mail from these senders, domains or lists is filed to the black-hole folder for a grace period, then dropped'
complete -c musaid -n "__fish_musaid_needs_command" -f -a "unsubscribe" -d 'Unsubscribe a mailbox from a list it receives (RFC 8058 one-click, or mailto)'
complete -c musaid -n "__fish_musaid_needs_command" -f -a "lists" -d 'The newsletters and promotions a mailbox receives, as musaid remembers them'
complete -c musaid -n "__fish_musaid_needs_command" -f -a "sieve" -d 'Print a Sieve script that files mail by X-Musaid-Folder (and drafts into Drafts); with --learn, write the Dovecot IMAPSieve scripts that teach musaid from readers\' moves and print the Dovecot settings that run them'
complete -c musaid -n "__fish_musaid_needs_command" -f -a "learn" -d 'Teach the classifier that messages are of a category (like `sa-learn`): files, directories, mbox files and Maildirs; `-` reads one message from standard input'
complete -c musaid -n "__fish_musaid_needs_command" -f -a "eval" -d 'Measure sorting on labelled mail: precision, recall, F1, macro-F1 per language, the confusion matrix'
complete -c musaid -n "__fish_musaid_needs_command" -f -a "build-starter" -d 'Build the starter model file from labelled mail (see scripts/build-starter-model.sh)'
complete -c musaid -n "__fish_musaid_needs_command" -f -a "calendar" -d 'The owner\'s calendar: import busy time, list it, find free slots'
complete -c musaid -n "__fish_musaid_needs_command" -f -a "report" -d 'Send the digests: per mailbox, and the organisation report to [report] administrators'
complete -c musaid -n "__fish_musaid_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c musaid -n "__fish_musaid_using_subcommand serve" -s c -l config -d 'Configuration file [default: /etc/musaid/musaid.toml]' -r -F
complete -c musaid -n "__fish_musaid_using_subcommand serve" -l listen -d 'Milter socket, overriding [milter] listen: inet:HOST:PORT or unix:PATH' -r
complete -c musaid -n "__fish_musaid_using_subcommand serve" -l store -d 'Store URL, overriding [store] url: sqlite:PATH, redis://HOST:PORT/DB, redis+sentinel://HOST:PORT/MASTER or redis+cluster://HOST:PORT,HOST:PORT' -r
complete -c musaid -n "__fish_musaid_using_subcommand serve" -l log-level -d 'Log level, overriding [log] level: error, warn, info, debug, trace' -r
complete -c musaid -n "__fish_musaid_using_subcommand serve" -s h -l help -d 'Print help'
complete -c musaid -n "__fish_musaid_using_subcommand check-config" -s c -l config -d 'Configuration file [default: /etc/musaid/musaid.toml]' -r -F
complete -c musaid -n "__fish_musaid_using_subcommand check-config" -l listen -d 'Milter socket, overriding [milter] listen: inet:HOST:PORT or unix:PATH' -r
complete -c musaid -n "__fish_musaid_using_subcommand check-config" -l store -d 'Store URL, overriding [store] url: sqlite:PATH, redis://HOST:PORT/DB, redis+sentinel://HOST:PORT/MASTER or redis+cluster://HOST:PORT,HOST:PORT' -r
complete -c musaid -n "__fish_musaid_using_subcommand check-config" -l log-level -d 'Log level, overriding [log] level: error, warn, info, debug, trace' -r
complete -c musaid -n "__fish_musaid_using_subcommand check-config" -s h -l help -d 'Print help'
complete -c musaid -n "__fish_musaid_using_subcommand completions" -s c -l config -d 'Configuration file [default: /etc/musaid/musaid.toml]' -r -F
complete -c musaid -n "__fish_musaid_using_subcommand completions" -l listen -d 'Milter socket, overriding [milter] listen: inet:HOST:PORT or unix:PATH' -r
complete -c musaid -n "__fish_musaid_using_subcommand completions" -l store -d 'Store URL, overriding [store] url: sqlite:PATH, redis://HOST:PORT/DB, redis+sentinel://HOST:PORT/MASTER or redis+cluster://HOST:PORT,HOST:PORT' -r
complete -c musaid -n "__fish_musaid_using_subcommand completions" -l log-level -d 'Log level, overriding [log] level: error, warn, info, debug, trace' -r
complete -c musaid -n "__fish_musaid_using_subcommand completions" -s h -l help -d 'Print help'
complete -c musaid -n "__fish_musaid_using_subcommand classify" -l from -d 'Envelope sender (MAIL FROM) to assume' -r
complete -c musaid -n "__fish_musaid_using_subcommand classify" -l rcpt -d 'Envelope recipient (RCPT TO) to assume; repeatable' -r
complete -c musaid -n "__fish_musaid_using_subcommand classify" -s c -l config -d 'Configuration file [default: /etc/musaid/musaid.toml]' -r -F
complete -c musaid -n "__fish_musaid_using_subcommand classify" -l listen -d 'Milter socket, overriding [milter] listen: inet:HOST:PORT or unix:PATH' -r
complete -c musaid -n "__fish_musaid_using_subcommand classify" -l store -d 'Store URL, overriding [store] url: sqlite:PATH, redis://HOST:PORT/DB, redis+sentinel://HOST:PORT/MASTER or redis+cluster://HOST:PORT,HOST:PORT' -r
complete -c musaid -n "__fish_musaid_using_subcommand classify" -l log-level -d 'Log level, overriding [log] level: error, warn, info, debug, trace' -r
complete -c musaid -n "__fish_musaid_using_subcommand classify" -l json -d 'One JSON object per message (with --summary, one object of counts)'
complete -c musaid -n "__fish_musaid_using_subcommand classify" -l summary -d 'Counts per category, direction, reason and action instead of a line per message'
complete -c musaid -n "__fish_musaid_using_subcommand classify" -s h -l help -d 'Print help'
complete -c musaid -n "__fish_musaid_using_subcommand store; and not __fish_seen_subcommand_from check help" -s c -l config -d 'Configuration file [default: /etc/musaid/musaid.toml]' -r -F
complete -c musaid -n "__fish_musaid_using_subcommand store; and not __fish_seen_subcommand_from check help" -l listen -d 'Milter socket, overriding [milter] listen: inet:HOST:PORT or unix:PATH' -r
complete -c musaid -n "__fish_musaid_using_subcommand store; and not __fish_seen_subcommand_from check help" -l store -d 'Store URL, overriding [store] url: sqlite:PATH, redis://HOST:PORT/DB, redis+sentinel://HOST:PORT/MASTER or redis+cluster://HOST:PORT,HOST:PORT' -r
complete -c musaid -n "__fish_musaid_using_subcommand store; and not __fish_seen_subcommand_from check help" -l log-level -d 'Log level, overriding [log] level: error, warn, info, debug, trace' -r
complete -c musaid -n "__fish_musaid_using_subcommand store; and not __fish_seen_subcommand_from check help" -s h -l help -d 'Print help'
complete -c musaid -n "__fish_musaid_using_subcommand store; and not __fish_seen_subcommand_from check help" -f -a "check" -d 'Connect, print what the store is, exit non-zero when it cannot be reached'
complete -c musaid -n "__fish_musaid_using_subcommand store; and not __fish_seen_subcommand_from check help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c musaid -n "__fish_musaid_using_subcommand store; and __fish_seen_subcommand_from check" -s c -l config -d 'Configuration file [default: /etc/musaid/musaid.toml]' -r -F
complete -c musaid -n "__fish_musaid_using_subcommand store; and __fish_seen_subcommand_from check" -l listen -d 'Milter socket, overriding [milter] listen: inet:HOST:PORT or unix:PATH' -r
complete -c musaid -n "__fish_musaid_using_subcommand store; and __fish_seen_subcommand_from check" -l store -d 'Store URL, overriding [store] url: sqlite:PATH, redis://HOST:PORT/DB, redis+sentinel://HOST:PORT/MASTER or redis+cluster://HOST:PORT,HOST:PORT' -r
complete -c musaid -n "__fish_musaid_using_subcommand store; and __fish_seen_subcommand_from check" -l log-level -d 'Log level, overriding [log] level: error, warn, info, debug, trace' -r
complete -c musaid -n "__fish_musaid_using_subcommand store; and __fish_seen_subcommand_from check" -s h -l help -d 'Print help'
complete -c musaid -n "__fish_musaid_using_subcommand store; and __fish_seen_subcommand_from help" -f -a "check" -d 'Connect, print what the store is, exit non-zero when it cannot be reached'
complete -c musaid -n "__fish_musaid_using_subcommand store; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c musaid -n "__fish_musaid_using_subcommand stats" -l mailbox -d 'Only this mailbox (`*` is the whole organisation)' -r
complete -c musaid -n "__fish_musaid_using_subcommand stats" -l days -d 'Number of days back from today' -r
complete -c musaid -n "__fish_musaid_using_subcommand stats" -s c -l config -d 'Configuration file [default: /etc/musaid/musaid.toml]' -r -F
complete -c musaid -n "__fish_musaid_using_subcommand stats" -l listen -d 'Milter socket, overriding [milter] listen: inet:HOST:PORT or unix:PATH' -r
complete -c musaid -n "__fish_musaid_using_subcommand stats" -l store -d 'Store URL, overriding [store] url: sqlite:PATH, redis://HOST:PORT/DB, redis+sentinel://HOST:PORT/MASTER or redis+cluster://HOST:PORT,HOST:PORT' -r
complete -c musaid -n "__fish_musaid_using_subcommand stats" -l log-level -d 'Log level, overriding [log] level: error, warn, info, debug, trace' -r
complete -c musaid -n "__fish_musaid_using_subcommand stats" -l json -d 'One JSON object per line (per mailbox; with --raw, per counter)'
complete -c musaid -n "__fish_musaid_using_subcommand stats" -l raw -d 'The counters themselves (day, mailbox, category, metric, count), not the summary'
complete -c musaid -n "__fish_musaid_using_subcommand stats" -s h -l help -d 'Print help'
complete -c musaid -n "__fish_musaid_using_subcommand blackhole; and not __fish_seen_subcommand_from add remove list help" -s c -l config -d 'Configuration file [default: /etc/musaid/musaid.toml]' -r -F
complete -c musaid -n "__fish_musaid_using_subcommand blackhole; and not __fish_seen_subcommand_from add remove list help" -l listen -d 'Milter socket, overriding [milter] listen: inet:HOST:PORT or unix:PATH' -r
complete -c musaid -n "__fish_musaid_using_subcommand blackhole; and not __fish_seen_subcommand_from add remove list help" -l store -d 'Store URL, overriding [store] url: sqlite:PATH, redis://HOST:PORT/DB, redis+sentinel://HOST:PORT/MASTER or redis+cluster://HOST:PORT,HOST:PORT' -r
complete -c musaid -n "__fish_musaid_using_subcommand blackhole; and not __fish_seen_subcommand_from add remove list help" -l log-level -d 'Log level, overriding [log] level: error, warn, info, debug, trace' -r
complete -c musaid -n "__fish_musaid_using_subcommand blackhole; and not __fish_seen_subcommand_from add remove list help" -s h -l help -d 'Print help'
complete -c musaid -n "__fish_musaid_using_subcommand blackhole; and not __fish_seen_subcommand_from add remove list help" -f -a "add" -d 'Add a sender address, a domain or a List-Id'
complete -c musaid -n "__fish_musaid_using_subcommand blackhole; and not __fish_seen_subcommand_from add remove list help" -f -a "remove" -d 'Remove one'
complete -c musaid -n "__fish_musaid_using_subcommand blackhole; and not __fish_seen_subcommand_from add remove list help" -f -a "list" -d 'List a mailbox\'s black holes with the date each was added'
complete -c musaid -n "__fish_musaid_using_subcommand blackhole; and not __fish_seen_subcommand_from add remove list help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c musaid -n "__fish_musaid_using_subcommand blackhole; and __fish_seen_subcommand_from add" -s c -l config -d 'Configuration file [default: /etc/musaid/musaid.toml]' -r -F
complete -c musaid -n "__fish_musaid_using_subcommand blackhole; and __fish_seen_subcommand_from add" -l listen -d 'Milter socket, overriding [milter] listen: inet:HOST:PORT or unix:PATH' -r
complete -c musaid -n "__fish_musaid_using_subcommand blackhole; and __fish_seen_subcommand_from add" -l store -d 'Store URL, overriding [store] url: sqlite:PATH, redis://HOST:PORT/DB, redis+sentinel://HOST:PORT/MASTER or redis+cluster://HOST:PORT,HOST:PORT' -r
complete -c musaid -n "__fish_musaid_using_subcommand blackhole; and __fish_seen_subcommand_from add" -l log-level -d 'Log level, overriding [log] level: error, warn, info, debug, trace' -r
complete -c musaid -n "__fish_musaid_using_subcommand blackhole; and __fish_seen_subcommand_from add" -s h -l help -d 'Print help'
complete -c musaid -n "__fish_musaid_using_subcommand blackhole; and __fish_seen_subcommand_from remove" -s c -l config -d 'Configuration file [default: /etc/musaid/musaid.toml]' -r -F
complete -c musaid -n "__fish_musaid_using_subcommand blackhole; and __fish_seen_subcommand_from remove" -l listen -d 'Milter socket, overriding [milter] listen: inet:HOST:PORT or unix:PATH' -r
complete -c musaid -n "__fish_musaid_using_subcommand blackhole; and __fish_seen_subcommand_from remove" -l store -d 'Store URL, overriding [store] url: sqlite:PATH, redis://HOST:PORT/DB, redis+sentinel://HOST:PORT/MASTER or redis+cluster://HOST:PORT,HOST:PORT' -r
complete -c musaid -n "__fish_musaid_using_subcommand blackhole; and __fish_seen_subcommand_from remove" -l log-level -d 'Log level, overriding [log] level: error, warn, info, debug, trace' -r
complete -c musaid -n "__fish_musaid_using_subcommand blackhole; and __fish_seen_subcommand_from remove" -s h -l help -d 'Print help'
complete -c musaid -n "__fish_musaid_using_subcommand blackhole; and __fish_seen_subcommand_from list" -s c -l config -d 'Configuration file [default: /etc/musaid/musaid.toml]' -r -F
complete -c musaid -n "__fish_musaid_using_subcommand blackhole; and __fish_seen_subcommand_from list" -l listen -d 'Milter socket, overriding [milter] listen: inet:HOST:PORT or unix:PATH' -r
complete -c musaid -n "__fish_musaid_using_subcommand blackhole; and __fish_seen_subcommand_from list" -l store -d 'Store URL, overriding [store] url: sqlite:PATH, redis://HOST:PORT/DB, redis+sentinel://HOST:PORT/MASTER or redis+cluster://HOST:PORT,HOST:PORT' -r
complete -c musaid -n "__fish_musaid_using_subcommand blackhole; and __fish_seen_subcommand_from list" -l log-level -d 'Log level, overriding [log] level: error, warn, info, debug, trace' -r
complete -c musaid -n "__fish_musaid_using_subcommand blackhole; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c musaid -n "__fish_musaid_using_subcommand blackhole; and __fish_seen_subcommand_from help" -f -a "add" -d 'Add a sender address, a domain or a List-Id'
complete -c musaid -n "__fish_musaid_using_subcommand blackhole; and __fish_seen_subcommand_from help" -f -a "remove" -d 'Remove one'
complete -c musaid -n "__fish_musaid_using_subcommand blackhole; and __fish_seen_subcommand_from help" -f -a "list" -d 'List a mailbox\'s black holes with the date each was added'
complete -c musaid -n "__fish_musaid_using_subcommand blackhole; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c musaid -n "__fish_musaid_using_subcommand unsubscribe" -s c -l config -d 'Configuration file [default: /etc/musaid/musaid.toml]' -r -F
complete -c musaid -n "__fish_musaid_using_subcommand unsubscribe" -l listen -d 'Milter socket, overriding [milter] listen: inet:HOST:PORT or unix:PATH' -r
complete -c musaid -n "__fish_musaid_using_subcommand unsubscribe" -l store -d 'Store URL, overriding [store] url: sqlite:PATH, redis://HOST:PORT/DB, redis+sentinel://HOST:PORT/MASTER or redis+cluster://HOST:PORT,HOST:PORT' -r
complete -c musaid -n "__fish_musaid_using_subcommand unsubscribe" -l log-level -d 'Log level, overriding [log] level: error, warn, info, debug, trace' -r
complete -c musaid -n "__fish_musaid_using_subcommand unsubscribe" -l dry-run -d 'Say what would be done, do nothing'
complete -c musaid -n "__fish_musaid_using_subcommand unsubscribe" -s h -l help -d 'Print help'
complete -c musaid -n "__fish_musaid_using_subcommand lists" -s c -l config -d 'Configuration file [default: /etc/musaid/musaid.toml]' -r -F
complete -c musaid -n "__fish_musaid_using_subcommand lists" -l listen -d 'Milter socket, overriding [milter] listen: inet:HOST:PORT or unix:PATH' -r
complete -c musaid -n "__fish_musaid_using_subcommand lists" -l store -d 'Store URL, overriding [store] url: sqlite:PATH, redis://HOST:PORT/DB, redis+sentinel://HOST:PORT/MASTER or redis+cluster://HOST:PORT,HOST:PORT' -r
complete -c musaid -n "__fish_musaid_using_subcommand lists" -l log-level -d 'Log level, overriding [log] level: error, warn, info, debug, trace' -r
complete -c musaid -n "__fish_musaid_using_subcommand lists" -l json -d 'One JSON object per line'
complete -c musaid -n "__fish_musaid_using_subcommand lists" -s h -l help -d 'Print help'
complete -c musaid -n "__fish_musaid_using_subcommand sieve" -l dir -d 'Where the learning scripts go (Dovecot\'s sieve_pipe_bin_dir)' -r -F
complete -c musaid -n "__fish_musaid_using_subcommand sieve" -s c -l config -d 'Configuration file [default: /etc/musaid/musaid.toml]' -r -F
complete -c musaid -n "__fish_musaid_using_subcommand sieve" -l listen -d 'Milter socket, overriding [milter] listen: inet:HOST:PORT or unix:PATH' -r
complete -c musaid -n "__fish_musaid_using_subcommand sieve" -l store -d 'Store URL, overriding [store] url: sqlite:PATH, redis://HOST:PORT/DB, redis+sentinel://HOST:PORT/MASTER or redis+cluster://HOST:PORT,HOST:PORT' -r
complete -c musaid -n "__fish_musaid_using_subcommand sieve" -l log-level -d 'Log level, overriding [log] level: error, warn, info, debug, trace' -r
complete -c musaid -n "__fish_musaid_using_subcommand sieve" -l learn -d 'Write the learning scripts and the musaid-learn program instead'
complete -c musaid -n "__fish_musaid_using_subcommand sieve" -s h -l help -d 'Print help'
complete -c musaid -n "__fish_musaid_using_subcommand learn" -l category -d 'The category the messages are of (`spam` is junk; `ham` is "not spam")' -r
complete -c musaid -n "__fish_musaid_using_subcommand learn" -l mailbox -d 'The mailbox whose readers teach (its own layer, with `[classifier] mailbox_layers`)' -r
complete -c musaid -n "__fish_musaid_using_subcommand learn" -s c -l config -d 'Configuration file [default: /etc/musaid/musaid.toml]' -r -F
complete -c musaid -n "__fish_musaid_using_subcommand learn" -l listen -d 'Milter socket, overriding [milter] listen: inet:HOST:PORT or unix:PATH' -r
complete -c musaid -n "__fish_musaid_using_subcommand learn" -l store -d 'Store URL, overriding [store] url: sqlite:PATH, redis://HOST:PORT/DB, redis+sentinel://HOST:PORT/MASTER or redis+cluster://HOST:PORT,HOST:PORT' -r
complete -c musaid -n "__fish_musaid_using_subcommand learn" -l log-level -d 'Log level, overriding [log] level: error, warn, info, debug, trace' -r
complete -c musaid -n "__fish_musaid_using_subcommand learn" -l forget -d 'Forget what was learned from these messages'
complete -c musaid -n "__fish_musaid_using_subcommand learn" -l json -d 'One JSON summary line'
complete -c musaid -n "__fish_musaid_using_subcommand learn" -s h -l help -d 'Print help'
complete -c musaid -n "__fish_musaid_using_subcommand eval" -l labels -d 'A labels file (JSON: file name → category, or → {category, language})' -r -F
complete -c musaid -n "__fish_musaid_using_subcommand eval" -l cross-validate -d 'Learn and test on K folds, from nothing (no starter model, no store)' -r
complete -c musaid -n "__fish_musaid_using_subcommand eval" -l split -d 'Learn from this fraction of each label (0 to 1), test on the rest' -r
complete -c musaid -n "__fish_musaid_using_subcommand eval" -l rcpt -d 'Envelope recipient to assume; repeatable' -r
complete -c musaid -n "__fish_musaid_using_subcommand eval" -s c -l config -d 'Configuration file [default: /etc/musaid/musaid.toml]' -r -F
complete -c musaid -n "__fish_musaid_using_subcommand eval" -l listen -d 'Milter socket, overriding [milter] listen: inet:HOST:PORT or unix:PATH' -r
complete -c musaid -n "__fish_musaid_using_subcommand eval" -l store -d 'Store URL, overriding [store] url: sqlite:PATH, redis://HOST:PORT/DB, redis+sentinel://HOST:PORT/MASTER or redis+cluster://HOST:PORT,HOST:PORT' -r
complete -c musaid -n "__fish_musaid_using_subcommand eval" -l log-level -d 'Log level, overriding [log] level: error, warn, info, debug, trace' -r
complete -c musaid -n "__fish_musaid_using_subcommand eval" -l json -d 'The report as JSON'
complete -c musaid -n "__fish_musaid_using_subcommand eval" -s h -l help -d 'Print help'
complete -c musaid -n "__fish_musaid_using_subcommand build-starter" -l out -d 'Where to write it' -r -F
complete -c musaid -n "__fish_musaid_using_subcommand build-starter" -l labels -d 'A labels file, as for `eval`; repeatable' -r -F
complete -c musaid -n "__fish_musaid_using_subcommand build-starter" -l rcpt -d 'Envelope recipient to assume; repeatable' -r
complete -c musaid -n "__fish_musaid_using_subcommand build-starter" -l min-messages -d 'Features seen in fewer messages are left out' -r
complete -c musaid -n "__fish_musaid_using_subcommand build-starter" -s c -l config -d 'Configuration file [default: /etc/musaid/musaid.toml]' -r -F
complete -c musaid -n "__fish_musaid_using_subcommand build-starter" -l listen -d 'Milter socket, overriding [milter] listen: inet:HOST:PORT or unix:PATH' -r
complete -c musaid -n "__fish_musaid_using_subcommand build-starter" -l store -d 'Store URL, overriding [store] url: sqlite:PATH, redis://HOST:PORT/DB, redis+sentinel://HOST:PORT/MASTER or redis+cluster://HOST:PORT,HOST:PORT' -r
complete -c musaid -n "__fish_musaid_using_subcommand build-starter" -l log-level -d 'Log level, overriding [log] level: error, warn, info, debug, trace' -r
complete -c musaid -n "__fish_musaid_using_subcommand build-starter" -s h -l help -d 'Print help'
complete -c musaid -n "__fish_musaid_using_subcommand calendar; and not __fish_seen_subcommand_from import list free help" -s c -l config -d 'Configuration file [default: /etc/musaid/musaid.toml]' -r -F
complete -c musaid -n "__fish_musaid_using_subcommand calendar; and not __fish_seen_subcommand_from import list free help" -l listen -d 'Milter socket, overriding [milter] listen: inet:HOST:PORT or unix:PATH' -r
complete -c musaid -n "__fish_musaid_using_subcommand calendar; and not __fish_seen_subcommand_from import list free help" -l store -d 'Store URL, overriding [store] url: sqlite:PATH, redis://HOST:PORT/DB, redis+sentinel://HOST:PORT/MASTER or redis+cluster://HOST:PORT,HOST:PORT' -r
complete -c musaid -n "__fish_musaid_using_subcommand calendar; and not __fish_seen_subcommand_from import list free help" -l log-level -d 'Log level, overriding [log] level: error, warn, info, debug, trace' -r
complete -c musaid -n "__fish_musaid_using_subcommand calendar; and not __fish_seen_subcommand_from import list free help" -s h -l help -d 'Print help'
complete -c musaid -n "__fish_musaid_using_subcommand calendar; and not __fish_seen_subcommand_from import list free help" -f -a "import" -d 'Import an .ics file\'s events as busy time (CANCELLED events are removed)'
complete -c musaid -n "__fish_musaid_using_subcommand calendar; and not __fish_seen_subcommand_from import list free help" -f -a "list" -d 'List the calendar\'s busy time'
complete -c musaid -n "__fish_musaid_using_subcommand calendar; and not __fish_seen_subcommand_from import list free help" -f -a "free" -d 'Free time inside working hours on one day'
complete -c musaid -n "__fish_musaid_using_subcommand calendar; and not __fish_seen_subcommand_from import list free help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c musaid -n "__fish_musaid_using_subcommand calendar; and __fish_seen_subcommand_from import" -s c -l config -d 'Configuration file [default: /etc/musaid/musaid.toml]' -r -F
complete -c musaid -n "__fish_musaid_using_subcommand calendar; and __fish_seen_subcommand_from import" -l listen -d 'Milter socket, overriding [milter] listen: inet:HOST:PORT or unix:PATH' -r
complete -c musaid -n "__fish_musaid_using_subcommand calendar; and __fish_seen_subcommand_from import" -l store -d 'Store URL, overriding [store] url: sqlite:PATH, redis://HOST:PORT/DB, redis+sentinel://HOST:PORT/MASTER or redis+cluster://HOST:PORT,HOST:PORT' -r
complete -c musaid -n "__fish_musaid_using_subcommand calendar; and __fish_seen_subcommand_from import" -l log-level -d 'Log level, overriding [log] level: error, warn, info, debug, trace' -r
complete -c musaid -n "__fish_musaid_using_subcommand calendar; and __fish_seen_subcommand_from import" -s h -l help -d 'Print help'
complete -c musaid -n "__fish_musaid_using_subcommand calendar; and __fish_seen_subcommand_from list" -l from -d 'From this date [default: today]' -r
complete -c musaid -n "__fish_musaid_using_subcommand calendar; and __fish_seen_subcommand_from list" -l to -d 'To this date, included [default: 14 days after --from]' -r
complete -c musaid -n "__fish_musaid_using_subcommand calendar; and __fish_seen_subcommand_from list" -s c -l config -d 'Configuration file [default: /etc/musaid/musaid.toml]' -r -F
complete -c musaid -n "__fish_musaid_using_subcommand calendar; and __fish_seen_subcommand_from list" -l listen -d 'Milter socket, overriding [milter] listen: inet:HOST:PORT or unix:PATH' -r
complete -c musaid -n "__fish_musaid_using_subcommand calendar; and __fish_seen_subcommand_from list" -l store -d 'Store URL, overriding [store] url: sqlite:PATH, redis://HOST:PORT/DB, redis+sentinel://HOST:PORT/MASTER or redis+cluster://HOST:PORT,HOST:PORT' -r
complete -c musaid -n "__fish_musaid_using_subcommand calendar; and __fish_seen_subcommand_from list" -l log-level -d 'Log level, overriding [log] level: error, warn, info, debug, trace' -r
complete -c musaid -n "__fish_musaid_using_subcommand calendar; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c musaid -n "__fish_musaid_using_subcommand calendar; and __fish_seen_subcommand_from free" -l date -d 'The day to look at (YYYY-MM-DD), in the owner\'s time zone' -r
complete -c musaid -n "__fish_musaid_using_subcommand calendar; and __fish_seen_subcommand_from free" -s c -l config -d 'Configuration file [default: /etc/musaid/musaid.toml]' -r -F
complete -c musaid -n "__fish_musaid_using_subcommand calendar; and __fish_seen_subcommand_from free" -l listen -d 'Milter socket, overriding [milter] listen: inet:HOST:PORT or unix:PATH' -r
complete -c musaid -n "__fish_musaid_using_subcommand calendar; and __fish_seen_subcommand_from free" -l store -d 'Store URL, overriding [store] url: sqlite:PATH, redis://HOST:PORT/DB, redis+sentinel://HOST:PORT/MASTER or redis+cluster://HOST:PORT,HOST:PORT' -r
complete -c musaid -n "__fish_musaid_using_subcommand calendar; and __fish_seen_subcommand_from free" -l log-level -d 'Log level, overriding [log] level: error, warn, info, debug, trace' -r
complete -c musaid -n "__fish_musaid_using_subcommand calendar; and __fish_seen_subcommand_from free" -s h -l help -d 'Print help'
complete -c musaid -n "__fish_musaid_using_subcommand calendar; and __fish_seen_subcommand_from help" -f -a "import" -d 'Import an .ics file\'s events as busy time (CANCELLED events are removed)'
complete -c musaid -n "__fish_musaid_using_subcommand calendar; and __fish_seen_subcommand_from help" -f -a "list" -d 'List the calendar\'s busy time'
complete -c musaid -n "__fish_musaid_using_subcommand calendar; and __fish_seen_subcommand_from help" -f -a "free" -d 'Free time inside working hours on one day'
complete -c musaid -n "__fish_musaid_using_subcommand calendar; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c musaid -n "__fish_musaid_using_subcommand report" -l period -d 'day, week (ISO, Monday to Sunday) or month' -r -f -a "day\t''
week\t''
month\t''"
complete -c musaid -n "__fish_musaid_using_subcommand report" -l for -d 'The period containing this date (YYYY-MM-DD) [default: the last complete one]' -r
complete -c musaid -n "__fish_musaid_using_subcommand report" -l mailbox -d 'Only this mailbox\'s digest (`*`: only the organisation report)' -r
complete -c musaid -n "__fish_musaid_using_subcommand report" -l format -d 'Write only this rendering (to --out, or standard output); nothing is sent' -r -f -a "text\t''
html\t''
json\t''"
complete -c musaid -n "__fish_musaid_using_subcommand report" -l out -d 'Directory for written files' -r -F
complete -c musaid -n "__fish_musaid_using_subcommand report" -s c -l config -d 'Configuration file [default: /etc/musaid/musaid.toml]' -r -F
complete -c musaid -n "__fish_musaid_using_subcommand report" -l listen -d 'Milter socket, overriding [milter] listen: inet:HOST:PORT or unix:PATH' -r
complete -c musaid -n "__fish_musaid_using_subcommand report" -l store -d 'Store URL, overriding [store] url: sqlite:PATH, redis://HOST:PORT/DB, redis+sentinel://HOST:PORT/MASTER or redis+cluster://HOST:PORT,HOST:PORT' -r
complete -c musaid -n "__fish_musaid_using_subcommand report" -l log-level -d 'Log level, overriding [log] level: error, warn, info, debug, trace' -r
complete -c musaid -n "__fish_musaid_using_subcommand report" -l all -d 'Every mailbox and the organisation report (the default)'
complete -c musaid -n "__fish_musaid_using_subcommand report" -l dry-run -d 'Write each digest as an .eml file (in --out, default the current directory) instead of sending it'
complete -c musaid -n "__fish_musaid_using_subcommand report" -s h -l help -d 'Print help'
complete -c musaid -n "__fish_musaid_using_subcommand help; and not __fish_seen_subcommand_from serve check-config completions classify store stats blackhole unsubscribe lists sieve learn eval build-starter calendar report help" -f -a "serve" -d 'Run the milter'
complete -c musaid -n "__fish_musaid_using_subcommand help; and not __fish_seen_subcommand_from serve check-config completions classify store stats blackhole unsubscribe lists sieve learn eval build-starter calendar report help" -f -a "check-config" -d 'Validate a configuration file and print every problem with file, line, column and key'
complete -c musaid -n "__fish_musaid_using_subcommand help; and not __fish_seen_subcommand_from serve check-config completions classify store stats blackhole unsubscribe lists sieve learn eval build-starter calendar report help" -f -a "completions" -d 'Print a shell completion script (bash: save as /usr/share/bash-completion/completions/musaid)'
complete -c musaid -n "__fish_musaid_using_subcommand help; and not __fish_seen_subcommand_from serve check-config completions classify store stats blackhole unsubscribe lists sieve learn eval build-starter calendar report help" -f -a "classify" -d 'Show what musaid would do with messages, without touching the store or sending anything'
complete -c musaid -n "__fish_musaid_using_subcommand help; and not __fish_seen_subcommand_from serve check-config completions classify store stats blackhole unsubscribe lists sieve learn eval build-starter calendar report help" -f -a "store" -d 'Reach the configured store and describe it: backend, version, mode, latency, keys'
complete -c musaid -n "__fish_musaid_using_subcommand help; and not __fish_seen_subcommand_from serve check-config completions classify store stats blackhole unsubscribe lists sieve learn eval build-starter calendar report help" -f -a "stats" -d 'What musaid did per mailbox lately (mail received by category, replies, response times, acknowledgements, escalations), from the store\'s counters'
complete -c musaid -n "__fish_musaid_using_subcommand help; and not __fish_seen_subcommand_from serve check-config completions classify store stats blackhole unsubscribe lists sieve learn eval build-starter calendar report help" -f -a "blackhole" -d 'Black holes of a mailbox: mail from these senders, domains or lists is filed to the black-hole folder for a grace period, then dropped'
complete -c musaid -n "__fish_musaid_using_subcommand help; and not __fish_seen_subcommand_from serve check-config completions classify store stats blackhole unsubscribe lists sieve learn eval build-starter calendar report help" -f -a "unsubscribe" -d 'Unsubscribe a mailbox from a list it receives (RFC 8058 one-click, or mailto)'
complete -c musaid -n "__fish_musaid_using_subcommand help; and not __fish_seen_subcommand_from serve check-config completions classify store stats blackhole unsubscribe lists sieve learn eval build-starter calendar report help" -f -a "lists" -d 'The newsletters and promotions a mailbox receives, as musaid remembers them'
complete -c musaid -n "__fish_musaid_using_subcommand help; and not __fish_seen_subcommand_from serve check-config completions classify store stats blackhole unsubscribe lists sieve learn eval build-starter calendar report help" -f -a "sieve" -d 'Print a Sieve script that files mail by X-Musaid-Folder (and drafts into Drafts); with --learn, write the Dovecot IMAPSieve scripts that teach musaid from readers\' moves and print the Dovecot settings that run them'
complete -c musaid -n "__fish_musaid_using_subcommand help; and not __fish_seen_subcommand_from serve check-config completions classify store stats blackhole unsubscribe lists sieve learn eval build-starter calendar report help" -f -a "learn" -d 'Teach the classifier that messages are of a category (like `sa-learn`): files, directories, mbox files and Maildirs; `-` reads one message from standard input'
complete -c musaid -n "__fish_musaid_using_subcommand help; and not __fish_seen_subcommand_from serve check-config completions classify store stats blackhole unsubscribe lists sieve learn eval build-starter calendar report help" -f -a "eval" -d 'Measure sorting on labelled mail: precision, recall, F1, macro-F1 per language, the confusion matrix'
complete -c musaid -n "__fish_musaid_using_subcommand help; and not __fish_seen_subcommand_from serve check-config completions classify store stats blackhole unsubscribe lists sieve learn eval build-starter calendar report help" -f -a "build-starter" -d 'Build the starter model file from labelled mail (see scripts/build-starter-model.sh)'
complete -c musaid -n "__fish_musaid_using_subcommand help; and not __fish_seen_subcommand_from serve check-config completions classify store stats blackhole unsubscribe lists sieve learn eval build-starter calendar report help" -f -a "calendar" -d 'The owner\'s calendar: import busy time, list it, find free slots'
complete -c musaid -n "__fish_musaid_using_subcommand help; and not __fish_seen_subcommand_from serve check-config completions classify store stats blackhole unsubscribe lists sieve learn eval build-starter calendar report help" -f -a "report" -d 'Send the digests: per mailbox, and the organisation report to [report] administrators'
complete -c musaid -n "__fish_musaid_using_subcommand help; and not __fish_seen_subcommand_from serve check-config completions classify store stats blackhole unsubscribe lists sieve learn eval build-starter calendar report help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c musaid -n "__fish_musaid_using_subcommand help; and __fish_seen_subcommand_from store" -f -a "check" -d 'Connect, print what the store is, exit non-zero when it cannot be reached'
complete -c musaid -n "__fish_musaid_using_subcommand help; and __fish_seen_subcommand_from blackhole" -f -a "add" -d 'Add a sender address, a domain or a List-Id'
complete -c musaid -n "__fish_musaid_using_subcommand help; and __fish_seen_subcommand_from blackhole" -f -a "remove" -d 'Remove one'
complete -c musaid -n "__fish_musaid_using_subcommand help; and __fish_seen_subcommand_from blackhole" -f -a "list" -d 'List a mailbox\'s black holes with the date each was added'
complete -c musaid -n "__fish_musaid_using_subcommand help; and __fish_seen_subcommand_from calendar" -f -a "import" -d 'Import an .ics file\'s events as busy time (CANCELLED events are removed)'
complete -c musaid -n "__fish_musaid_using_subcommand help; and __fish_seen_subcommand_from calendar" -f -a "list" -d 'List the calendar\'s busy time'
complete -c musaid -n "__fish_musaid_using_subcommand help; and __fish_seen_subcommand_from calendar" -f -a "free" -d 'Free time inside working hours on one day'
