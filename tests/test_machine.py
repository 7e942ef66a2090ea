"""The test command's set-up decides what to install and start from what the machine has."""

from __future__ import annotations

import dataclasses

from tests.machine import DEFAULT_CHROMIUM, Machine, install_commands, plan, start_command

READY = Machine(chromium=DEFAULT_CHROMIUM, chromium_found=True,
                commands=frozenset({"apt-get", "pg_ctlcluster", "redis-server", "npm"}),
                postgres=("127.0.0.1", 5432), postgres_up=True, redis=("127.0.0.1", 6379), redis_up=True,
                node_modules=True, root=True, sudo=False)


def machine(**changes) -> Machine:
    return dataclasses.replace(READY, **changes)


def test_a_ready_machine_needs_nothing():
    p = plan(READY)
    assert (p.packages, p.start, p.npm_ci, p.problems) == ([], [], False, [])
    assert install_commands(p.packages, READY) == []


def test_a_fresh_machine_as_root_installs_debians_chromium():
    m = machine(chromium_found=False)
    p = plan(m)
    assert (p.packages, p.start, p.problems) == (["chromium"], [], [])
    assert install_commands(p.packages, m) == [["apt-get", "update", "-qq"],
                                               ["apt-get", "install", "-y", "-qq", "chromium"]]


def test_passwordless_sudo_installs_through_sudo():
    m = machine(chromium_found=False, root=False, sudo=True)
    assert install_commands(plan(m).packages, m)[-1] == ["sudo", "-n", "apt-get", "install", "-y", "-qq", "chromium"]


def test_without_root_or_sudo_it_says_what_is_missing_and_how_to_get_it():
    p = plan(machine(chromium_found=False, root=False, sudo=False))
    assert p.packages == []
    assert p.problems == ["missing Debian packages: chromium. Install them with `sudo apt-get install chromium`, "
                          "or run the tests as root or with passwordless sudo, which install them."]


def test_a_chromium_path_of_ones_own_that_is_missing_is_not_installed():
    p = plan(machine(chromium="/opt/chrome/chrome", chromium_found=False))
    assert p.packages == []
    assert p.problems and "PARPLAN_TEST_CHROMIUM=/opt/chrome/chrome" in p.problems[0]


def test_stopped_local_services_are_started_and_missing_servers_installed_first():
    p = plan(machine(postgres_up=False, redis_up=False, commands=frozenset({"apt-get", "npm"})))
    assert p.packages == ["postgresql", "redis-server"]
    assert p.start == ["postgresql", "redis"]


def test_postgresql_is_started_as_root_with_the_newest_cluster():
    m = machine(root=False, sudo=True)
    assert start_command("postgresql", m, ["13", "15"], "/tmp") == [
        "sudo", "-n", "pg_ctlcluster", "--skip-systemctl-redirect", "15", "main", "start"]
    assert start_command("redis", m, [], "/tmp")[:6] == ["redis-server", "--daemonize", "yes", "--bind", "127.0.0.1",
                                                         "--port"]


def test_a_stopped_postgresql_without_root_is_a_problem_but_redis_starts_anyway():
    p = plan(machine(postgres_up=False, redis_up=False, root=False, sudo=False))
    assert p.start == ["redis"]
    assert len(p.problems) == 1 and "PostgreSQL does not answer on 127.0.0.1:5432" in p.problems[0]


def test_a_remote_database_that_does_not_answer_is_never_started_here():
    p = plan(machine(postgres=("db.example.vn", 5432), postgres_up=False))
    assert (p.packages, p.start) == ([], [])
    assert p.problems == ["PostgreSQL at db.example.vn:5432 does not answer: start it, or change PARPLAN_TEST_PG_URL."]


def test_missing_front_end_packages_run_npm_ci_and_install_npm_if_needed():
    p = plan(machine(node_modules=False, commands=frozenset({"apt-get", "pg_ctlcluster", "redis-server"})))
    assert (p.packages, p.npm_ci) == (["npm"], True)


def test_a_machine_without_apt_get_is_told_to_use_its_own_package_manager():
    p = plan(machine(chromium_found=False, commands=frozenset({"pg_ctlcluster", "redis-server", "npm"})))
    assert p.packages == [] and "no apt-get" in p.problems[0]


def test_the_test_command_stops_before_any_run_naming_what_is_missing(tmp_path):
    import os
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "tests"], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PARPLAN_TEST_CHROMIUM": str(tmp_path / "chromium")})
    assert done.returncode == 1
    assert f"PARPLAN_TEST_CHROMIUM={tmp_path / 'chromium'}: no such file" in done.stderr
    assert "pytest" not in done.stdout


def test_a_run_on_sqlite_alone_needs_no_postgresql():
    # PARPLAN_TEST_DBS=sqlite on a machine without PostgreSQL and without root: nothing to start, nothing missing.
    stopped = machine(postgres_up=False, root=False, sudo=False)
    assert plan(stopped, ("sqlite",)).problems == [] and plan(stopped, ("sqlite",)).start == []
    assert plan(stopped, ("sqlite", "postgres")).problems != []
