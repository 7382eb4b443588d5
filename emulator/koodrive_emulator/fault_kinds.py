"""The kinds of fault the emulator can play, by their names on the command line and over
the admin API. `faults.py` switches them on and off; a handler plays those that are its own
(`@handles(..., flaws=...)`)."""

from enum import StrEnum


class FaultKind(StrEnum):
    LATENCY = "latency"  # a delay before the normal response
    THROTTLE = "throttle"  # 429, gateway body APIGW.0308, Retry-After
    THROTTLE_PAGES = "throttle-pages"  # throttle, on a listing's later pages (a cursor sent)
    # throttle with Retry-After as an HTTP-date, where the spec declares integer seconds:
    THROTTLE_HTTP_DATE = "throttle-http-date"
    SERVER_ERROR = "server-error"  # 500, service body 13000500
    UNAVAILABLE = "unavailable"  # 503, gateway body APIGW.0203, Retry-After
    BAD_GATEWAY = "bad-gateway"  # 502, gateway body APIGW.0201
    GATEWAY_TIMEOUT = "gateway-timeout"  # 504, gateway body APIGW.0204
    CODE_AS_STRING = "code-as-string"  # the normal response with "code": "0" (a deviation)
    TRUNCATED = "truncated"  # the normal response cut short: Content-Length promises more
    # Answers the vendor may give that clients must survive (the SDK's error paths):
    RESULT_ERROR = "result-error"  # 200 whose body is a service error (non-zero code)
    GATEWAY_AUTH_400 = "gateway-auth-400"  # 400 with the gateway's authentication body
    HTML_502 = "html-502"  # 502 with a text/html page, as a proxy in front may send
    REPEAT_CURSOR = "repeat-cursor"  # a page whose nextCursor is the cursor it was sent
    # Contract-breaking, for proving a contract suite can fail:
    WRONG_TYPE = "wrong-type"  # 200 with a field of the wrong type (total as a string)
    MISSING_FIELD = "missing-field"  # 200 without a required field
    UNDOCUMENTED_500 = "undocumented-500"  # 500 with a body the spec does not describe
    # A credential header sent twice is not refused: checks read the first copy, the
    # signature the last (the flaw of a server that reads headers two ways)
    SPLIT_HEADER_COPIES = "split-header-copies"
    # Behaviour-breaking, each breaking one promise of openapi.yaml's x-koodrive-behaviour:
    REPEAT_ITEM = (
        "repeat-item"  # each page after the first lists the previous one's last item again
    )
    NEVER_END = "never-end"  # the last page has a nextCursor, and so has every page after it
    WRONG_TOTAL = "wrong-total"  # total is one more than the listing yields
    IGNORE_PAGE_SIZE = "ignore-page-size"  # pages as long as the largest page size allows
    IGNORE_GROUP_NAME = "ignore-group-name"  # groupName filters nothing
    CASE_SENSITIVE_GROUP_NAME = "case-sensitive-group-name"  # groupName compared with case
    IGNORE_SOURCE_TYPE = "ignore-source-type"  # groups (0) listed whatever sourceType says
    FORGED_CURSOR_RESTARTS = "forged-cursor-restarts"  # a cursor it cannot read: the first page
    UNBOUND_CURSOR = "unbound-cursor"  # a cursor accepted with other filters than its own
    LENIENT_PARAMETERS = "lenient-parameters"  # pageSize out of bounds clamped; no sourceType: 0
    PARAMETER_ERROR_401 = "parameter-error-401"  # a bad parameter answered 401 (gateway body)
    FILTER_404 = "filter-404"  # a valid request with groupName answered 404 APIGW.0101
    FUTURE_X_DATE = "future-x-date"  # an X-Date up to 2 minutes ahead accepted
    # A token acts for whichever user X-User-Id names:
    TOKEN_ANY_USER = "token-any-user"  # noqa: S105 - a fault's name, not a token
    # A token accepted without X-User-Id and X-Date where the spec requires them with it:
    TOKEN_WITHOUT_USER_HEADERS = "token-without-user-headers"  # noqa: S105 - a fault's name
    EVERY_USERS_DEVICES = "every-users-devices"  # the devices of every user are listed
    NO_TRACE_ECHO = "no-trace-echo"  # X-Traceid not sent back
    WRONG_TRACE_ECHO = "wrong-trace-echo"  # another X-Traceid sent back
    SUCCESS_CODE_NOT_ZERO = "success-code-not-zero"  # a 200 with the normal body and code 1
    # Offset paging (each offset-paged listing); repeat-item, never-end, wrong-total and
    # ignore-page-size act on it too (never-end: a page past total repeats the last one):
    UNSTABLE_TOTAL = "unstable-total"  # total one more on every page after the first
    EMPTY_LATER_PAGES = "empty-later-pages"  # every page after the first empty, before total
    # Members: each breaking one promise of a `membership`, `detail-of` or `members-only`:
    BATCH_STATUS_ALL_SUCCEEDED = "batch-status-all-succeeded"  # status 0 whatever failed
    JOINED_OWNED_ONLY = "joined-owned-only"  # list-user-groups leaves out groups one only joins
    MEMBERS_OWNER_ONLY = "members-owner-only"  # a group's member listing shows the owner alone
    DETAIL_DISAGREES = "detail-disagrees"  # a group's details answer another name than listed
    # A user who is not a member reads and changes a group as its owner would:
    MEMBERS_ONLY_NOT_ENFORCED = "members-only-not-enforced"
    # Writes: faults of the operations whose x-koodrive-behaviour has a `write`.
    APPLY_THEN_DROP = "apply-then-drop"  # the write is made, then the connection reset (RST)
    ACK_WITHOUT_APPLY = "ack-without-apply"  # success answered, the write never made
    # Write-breaking, each breaking one promise of a write's x-koodrive-behaviour:
    CREATE_NOT_LISTED = "create-not-listed"  # a created record is not in its own listing
    UPDATE_NOT_VISIBLE = "update-not-visible"  # an update answered, listings show the old
    DELETE_NOT_REMOVED = "delete-not-removed"  # a delete answered, the record still listed
    REFUSED_WRITE_APPLIED = "refused-write-applied"  # a refused body still changes the state
    OWNER_NOT_ENFORCED = "owner-not-enforced"  # any user may change any record, by its id
    SECOND_DELETE_SUCCEEDS = "second-delete-succeeds"  # deleting what is gone answers success
    WRONG_RECORD_TIME = "wrong-record-time"  # a written record's time is a day before now
    # On the item fields x-koodrive-behaviour declares as record times, every listed item:
    FUTURE_RECORD_TIME = "future-record-time"  # created (and updated) 30 days ahead
    UPDATED_BEFORE_CREATED = "updated-before-created"  # updated a day before created
    # Nothing answered at all (before authentication, as a network or gateway fails):
    CONNECTION_RESET = "connection-reset"  # the TCP connection reset (RST), no response
    HANG = "hang"  # never answered, until the client leaves or the server stops
