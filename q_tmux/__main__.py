import sys

from q_tmux.cli.entry import main

sys.exit(main())
