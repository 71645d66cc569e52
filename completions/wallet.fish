complete --keep-order --exclusive --command wallet --arguments "(COMPLETE=fish wallet -- (commandline --current-process --tokenize --cut-at-cursor) (commandline --current-token))"
