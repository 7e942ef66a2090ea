"""Delivery against a real SMTP server (aiosmtpd): each digest arrives once, failures retry or are recorded."""

import asyncio
import datetime as dt
import email
import email.policy

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from app import clock
from app.settings import get_settings
from app.tables import User
from reminders.delivery import BATCH, claim, deliver_due
from app.mail import FileTransport, SmtpTransport
from reminders.sweep import sweep
from reminders.tables import OutboxEmail
from tests.builders import NOW, TaskSpec, free_port, make_plan, make_user, run

D = dt.date
FRIDAY = D(2025, 6, 27)  # 13/06 + 10 working days: the overdue task reaches the head and the secretariat


class Inbox:
    """An aiosmtpd handler that keeps what it receives, and counts the recipients it was offered.

    `refuse` answers RCPT with that reply (for `only` those addresses, when given). `hang_up` closes a connection
    once `every` messages went over it: "421" answers the next MAIL with 421 and closes, "at MAIL" closes without
    a word when the next MAIL comes, "after 250" closes as soon as the last one is accepted. `delay` holds each
    message before its 250. `peers` holds the client end of the connection of each MAIL, in order.
    """

    def __init__(self, refuse: str = "", only: tuple[str, ...] = (), hang_up: str = "", every: int = 0,
                 delay: float = 0.0):
        self.messages: list = []
        self.rcpt_attempts = 0
        self.refuse, self.only = refuse, only
        self.hang_up, self.every, self.delay = hang_up, every, delay
        self.peers: list = []
        self.quits = 0
        self.on_first_message = None  # called in the server's loop once the first message is accepted

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if self.hang_up in ("421", "at MAIL") and self.peers.count(session.peer) == self.every:
            if self.hang_up == "at MAIL":
                server.transport.close()  # before any reply: the client hears nothing
            else:
                asyncio.get_running_loop().call_soon(server.transport.close)  # once the 421 is out
            return "421 4.7.0 too many messages on one connection, closing"
        self.peers.append(session.peer)
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        self.rcpt_attempts += 1
        if self.refuse and (not self.only or address in self.only):
            return self.refuse
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(self.delay)
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        if self.on_first_message and len(self.messages) == 1:
            self.on_first_message()
        if self.hang_up == "after 250" and self.peers.count(session.peer) == self.every:
            asyncio.get_running_loop().call_soon(server.transport.close)
        return "250 OK"

    async def handle_QUIT(self, server, session, envelope):
        self.quits += 1
        return "221 Bye"

    def to(self) -> list[str]:
        return sorted(m["To"] for m in self.messages)


class Server:
    """A real SMTP server on a fixed free port, which a test can start late (the server was down)."""

    def __init__(self, handler: Inbox, **options):
        self.port, self.handler, self.options = free_port(), handler, options
        self.controller: Controller | None = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port, **self.options)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def server():
    """Not started: call start() (or leave it down)."""
    made: list[Server] = []

    def make(handler: Inbox | None = None, **options) -> Server:
        made.append(Server(handler or Inbox(), **options))
        return made[-1]

    yield make
    for s in made:
        s.stop()


def a_day_of_reminders(actors) -> set[str]:
    """Four people with reminders on FRIDAY: focal A (overdue + due soon), head A, the secretariat, focal B."""
    make_plan(actors.unit_a, 2025, {"Cải cách thể chế": [
        TaskSpec("Rà soát <văn bản> quy phạm", D(2025, 6, 13), "in_progress"),
        TaskSpec("Công bố thủ tục hành chính", D(2025, 7, 2))]})  # 3 working days left
    make_plan(actors.unit_b, 2025, {"Cải cách TTHC": [TaskSpec("Số hóa hồ sơ", FRIDAY)]})
    User.update({User.language: "en"}).where(User.id == actors.focal_b.id).run_sync()
    assert run(sweep(FRIDAY, NOW)).emails == 4
    return {actors.focal_a.email, actors.head_a.email, actors.secretariat.email, actors.focal_b.email}


def outbox() -> list[dict]:
    return OutboxEmail.select().order_by(OutboxEmail.id).run_sync()


def later(minutes: int) -> dt.datetime:
    return clock.now() + dt.timedelta(minutes=minutes)


def test_each_person_receives_one_digest_with_both_parts_and_links(actors, server):
    people = a_day_of_reminders(actors)
    smtp = server()
    smtp.start()
    counts = run(deliver_due("w1", transport=SmtpTransport(smtp.url)))
    assert (counts.sent, counts.retried, counts.failed) == (4, 0, 0)
    assert smtp.handler.to() == sorted(people)
    stored = {e["to_address"]: e for e in outbox()}
    for message in smtp.handler.messages:
        row = stored[message["To"]]
        assert message["Subject"] == row["subject"] and row["status"] == "sent" and row["sent_at"] is not None
        assert message.get_content_type() == "multipart/alternative"
        assert {p.get_content_type() for p in message.iter_parts()} == {"text/plain", "text/html"}
    focal_a = next(m for m in smtp.handler.messages if m["To"] == actors.focal_a.email)
    html = focal_a.get_body(("html",)).get_content()
    assert "Rà soát &lt;văn bản&gt; quy phạm" in html and "/tasks/" in html and "27/06/2025" in html
    english = next(m for m in smtp.handler.messages if m["To"] == actors.focal_b.email)
    assert english["Subject"] == "[parplan] Deadline reminder 27 Jun 2025: 1 task"
    assert "today is the deadline" in english.get_body(("plain",)).get_content()


def test_the_file_transport_writes_each_digest_once(actors, tmp_path):
    a_day_of_reminders(actors)
    transport = FileTransport(tmp_path)
    assert run(deliver_due("w1", transport=transport)).sent == 4
    files = sorted(tmp_path.iterdir())
    assert [f.name for f in files] == [f"2025-06-27-{e['id']:08d}.eml" for e in outbox()]
    written = {f: f.stat().st_mtime_ns for f in files}
    again = run(deliver_due("w1", due_by=later(24 * 60), transport=transport))
    assert (again.sent, again.retried, again.failed) == (0, 0, 0)
    assert {f: f.stat().st_mtime_ns for f in tmp_path.iterdir()} == written and len(files) == 4
    assert {e["status"] for e in outbox()} == {"sent"}
    message = email.message_from_bytes(files[0].read_bytes(), policy=email.policy.default)
    assert message["To"] in {e["to_address"] for e in outbox()} and message.get_body(("html",)) is not None


def test_when_the_server_is_down_emails_wait_and_then_go_out_once(actors, server):
    people = a_day_of_reminders(actors)
    smtp = server()  # not started: connections are refused
    transport = SmtpTransport(smtp.url)
    before = clock.now()
    down = run(deliver_due("w1", transport=transport))
    assert (down.sent, down.retried, down.failed) == (0, 4, 0)
    for e in outbox():
        assert (e["status"], e["attempts"]) == ("pending", 1) and e["last_error"]
        assert e["not_before"] >= before + dt.timedelta(seconds=60)  # the first backoff
    assert run(deliver_due("w1", transport=transport)).sent == 0  # not yet: still backing off
    smtp.start()
    back = run(deliver_due("w1", due_by=later(2), transport=transport))
    assert back.sent == 4 and run(deliver_due("w1", due_by=later(60), transport=transport)).sent == 0
    assert smtp.handler.to() == sorted(people)  # each exactly once
    assert {(e["status"], e["attempts"], e["last_error"]) for e in outbox()} == {("sent", 2, "")}


def test_a_refused_address_is_recorded_as_failed_and_not_retried(actors, server):
    a_day_of_reminders(actors)
    smtp = server(Inbox(refuse="550 no such user"))
    smtp.start()
    counts = run(deliver_due("w1", transport=SmtpTransport(smtp.url)))
    assert (counts.sent, counts.retried, counts.failed) == (0, 0, 4)
    assert all(e["status"] == "failed" and "550 no such user" in e["last_error"] for e in outbox())
    assert run(deliver_due("w1", due_by=later(24 * 60), transport=SmtpTransport(smtp.url))).failed == 0
    assert smtp.handler.rcpt_attempts == 4 and smtp.handler.messages == []


def test_an_address_no_server_accepts_fails_without_bothering_the_server(actors, server):
    a_day_of_reminders(actors)
    User.update({User.email: "not an address"}).where(User.id == actors.head_a.id).run_sync()
    OutboxEmail.update({OutboxEmail.to_address: "not an address"}).where(
        OutboxEmail.recipient == actors.head_a.id).run_sync()
    smtp = server()
    smtp.start()
    counts = run(deliver_due("w1", transport=SmtpTransport(smtp.url)))
    assert (counts.sent, counts.failed) == (3, 1) and len(smtp.handler.messages) == 3
    [failed] = [e for e in outbox() if e["status"] == "failed"]
    assert failed["recipient"] == actors.head_a.id and "not an address" in failed["last_error"]


def test_a_mailbox_busy_for_now_is_retried_later(actors, server):
    a_day_of_reminders(actors)
    smtp = server(Inbox(refuse="450 mailbox busy"))
    smtp.start()
    counts = run(deliver_due("w1", transport=SmtpTransport(smtp.url)))
    assert (counts.sent, counts.retried, counts.failed) == (0, 4, 0)
    assert all(e["status"] == "pending" and "450 mailbox busy" in e["last_error"] for e in outbox())


def test_two_workers_at_once_send_each_email_exactly_once(actors, server):
    people = a_day_of_reminders(actors)
    smtp = server()
    smtp.start()
    transport = SmtpTransport(smtp.url)

    async def both():
        return await asyncio.gather(deliver_due("w1", transport=transport), deliver_due("w2", transport=transport))

    first, second = run(both())
    assert first.sent + second.sent == 4 and smtp.handler.to() == sorted(people)
    assert {e["status"] for e in outbox()} == {"sent"} and {e["attempts"] for e in outbox()} == {1}


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")  # a local test server only
def test_the_transport_logs_in_with_the_decoded_credentials(actors, server):
    a_day_of_reminders(actors)
    logins = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        logins.append((auth_data.login.decode(), auth_data.password.decode()))
        return AuthResult(success=auth_data.password == b"p@ss:w/rd", handled=False)  # False: answer 535

    smtp = server(auth_required=True, auth_require_tls=False, authenticator=authenticator)
    smtp.start()
    good = f"smtp://cchc%40stp.gov.vn:p%40ss%3Aw%2Frd@127.0.0.1:{smtp.port}"
    assert run(deliver_due("w1", transport=SmtpTransport(good), limit=1)).sent == 1
    assert logins == [("cchc@stp.gov.vn", "p@ss:w/rd")] and len(smtp.handler.messages) == 1
    # A wrong password is our setting, not the message: the emails wait for an admin to fix it.
    bad = f"smtp://cchc%40stp.gov.vn:wrong@127.0.0.1:{smtp.port}"
    assert run(deliver_due("w1", transport=SmtpTransport(bad))).retried == 3
    assert len(smtp.handler.messages) == 1
    assert sorted(e["status"] for e in outbox()) == ["pending"] * 3 + ["sent"]
    assert all("535" in e["last_error"] for e in outbox() if e["status"] == "pending")


# One connection for a delivery --------------------------------------------------------------------------------

@pytest.fixture
def lease(monkeypatch):
    """Settings are read once per process: read them again with a short send lease, and again after."""
    def set_lease(seconds: int) -> None:
        monkeypatch.setenv("PARPLAN_SEND_LEASE_SECONDS", str(seconds))
        get_settings.cache_clear()

    yield set_lease
    monkeypatch.undo()
    get_settings.cache_clear()


def more_focal_points(actors, n: int) -> list[str]:
    """`n` more focal points of unit A, each due the same reminders as its first one; their addresses."""
    return [make_user(f"daumoi{i}.a@example.vn", "focal_point", actors.unit_a).email for i in range(n)]


def test_a_deliverys_emails_share_one_connection_across_batches_and_it_says_goodbye(actors, server):
    extra = more_focal_points(actors, BATCH)  # more digests than one batch
    make_plan(actors.unit_a, 2025, {"Cải cách thể chế": [TaskSpec("Rà soát văn bản", FRIDAY)]})
    run(sweep(FRIDAY, NOW))
    smtp = server()
    smtp.start()
    counts = run(deliver_due("w1", transport=SmtpTransport(smtp.url)))
    assert counts.sent == len(outbox()) > BATCH and smtp.handler.to() == sorted(e["to_address"] for e in outbox())
    assert set(extra) <= set(smtp.handler.to())
    assert len(set(smtp.handler.peers)) == 1 and smtp.handler.quits == 1


def test_a_refused_address_leaves_the_connection_to_the_next_email(actors, server):
    people = a_day_of_reminders(actors)
    smtp = server(Inbox(refuse="550 no such user", only=(actors.focal_a.email,)))
    smtp.start()
    counts = run(deliver_due("w1", transport=SmtpTransport(smtp.url)))
    assert (counts.sent, counts.retried, counts.failed) == (3, 0, 1)
    assert smtp.handler.to() == sorted(people - {actors.focal_a.email})
    assert len(smtp.handler.peers) == 4 and len(set(smtp.handler.peers)) == 1
    [failed] = [e for e in outbox() if e["status"] == "failed"]
    assert failed["to_address"] == actors.focal_a.email and "550 no such user" in failed["last_error"]


@pytest.mark.parametrize("hang_up", ["421", "at MAIL", "after 250"])
def test_a_server_that_hangs_up_mid_batch_still_gets_every_email_once(actors, server, hang_up):
    people = a_day_of_reminders(actors)
    smtp = server(Inbox(hang_up=hang_up, every=2))
    smtp.start()
    counts = run(deliver_due("w1", transport=SmtpTransport(smtp.url)))
    # Nothing of the email was on the server when it hung up: it goes at once, on a new connection.
    assert (counts.sent, counts.retried, counts.failed) == (4, 0, 0)
    assert smtp.handler.to() == sorted(people) and len(set(smtp.handler.peers)) == 2
    assert {(e["status"], e["attempts"], e["last_error"]) for e in outbox()} == {("sent", 1, "")}


def test_a_server_gone_mid_batch_leaves_the_rest_waiting_and_they_go_once_when_it_is_back(actors, server):
    people = a_day_of_reminders(actors)
    smtp = server(Inbox(hang_up="after 250", every=1))
    smtp.start()
    # After its first message the server hangs up and stops listening: the rest of the batch finds it gone.
    smtp.handler.on_first_message = lambda: smtp.controller.server.close()
    down = run(deliver_due("w1", transport=SmtpTransport(smtp.url)))
    [first] = smtp.handler.to()
    assert (down.sent, down.retried, down.failed) == (1, 3, 0)
    # A connection refused is about the server, not the email: the rest wait for their backoff, not failed.
    assert all(e["status"] == "pending" and e["last_error"] for e in outbox() if e["to_address"] != first)
    smtp.stop()
    smtp.start()
    back = run(deliver_due("w1", due_by=later(2), transport=SmtpTransport(smtp.url)))
    assert back.sent == 3 and smtp.handler.to() == sorted(people)  # each exactly once


def test_a_batch_longer_than_the_lease_keeps_its_claims_and_each_email_goes_once(actors, server, lease):
    people = a_day_of_reminders(actors)
    lease(2)
    smtp = server(Inbox(delay=0.8))  # the batch takes longer than the lease
    smtp.start()

    async def a_second_worker_after_the_lease():
        first = asyncio.create_task(deliver_due("w1", transport=SmtpTransport(smtp.url)))
        await asyncio.sleep(2.5)  # w1's claim is older than the lease: only its renewal keeps it from w2
        second = await deliver_due("w2", transport=SmtpTransport(smtp.url))
        return await first, second

    first, second = run(a_second_worker_after_the_lease())
    assert first.sent + second.sent == 4 and smtp.handler.to() == sorted(people)
    assert {e["status"] for e in outbox()} == {"sent"}


def test_a_claim_takes_the_oldest_emails_and_no_more_than_asked(actors):
    a_day_of_reminders(actors)
    ids = [e["id"] for e in outbox()]
    assert sorted(e["id"] for e in run(claim("w1", later(60), 3))) == ids[:3]
    assert [e["status"] for e in outbox()] == ["sending"] * 3 + ["pending"]


@pytest.mark.only_db("postgres")
def test_a_claim_passes_over_an_email_another_worker_is_claiming_at_that_moment(actors):
    a_day_of_reminders(actors)
    first, *rest = [e["id"] for e in outbox()]

    async def claim_while_another_holds_the_first():
        holding, done = asyncio.Event(), asyncio.Event()

        async def another_worker():  # its own task, so its transaction is not the claim's
            async with OutboxEmail._meta.db.transaction():
                await OutboxEmail.raw("SELECT id FROM outbox_email WHERE id = {} FOR UPDATE", first)
                holding.set()
                await done.wait()

        holder = asyncio.create_task(another_worker())
        await holding.wait()
        try:
            return await asyncio.wait_for(claim("w2", later(60), BATCH), 10)  # without waiting for the other
        finally:
            done.set()
            await holder

    claimed = run(claim_while_another_holds_the_first())
    assert sorted(e["id"] for e in claimed) == rest
    assert [e["status"] for e in outbox()] == ["pending"] + ["sending"] * len(rest)
