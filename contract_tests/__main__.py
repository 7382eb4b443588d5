import sys

from contract_tests.runner import main

sys.exit(main())
