"""koodrive-proxy: the bridge between a team's application and the live API.

- a validation proxy (`koodrive-proxy --target URL`): every exchange judged against
  openapi.yaml, app-signed requests re-signed for the target, a redacted HAR capture and a
  drift report kept; `--strict` answers a deviation with an error;
- `koodrive-proxy fixtures`: a capture becomes an emulator fixtures file;
- `koodrive-proxy replay`: a capture sent again, each request re-signed with a fresh X-Date.

It needs the `emulator` extra: it reads the spec with the emulator's reader and serves on
its server stack. See docs/proxy.md.
"""
