"""The contract suite: schemathesis proves a target (the emulator or the live API) honours
openapi.yaml.

- `schemathesis.toml`: phases, checks and generation settings of the suite;
- `hooks`: what schemathesis loads: real credentials on every request (the HMAC signature
  computed per request), and the suite's own checks;
- `runner` (`python -m contract_tests`, `scripts/contract`): picks the target, starts an
  emulator when there is no live one, runs schemathesis, writes the reports.
"""
