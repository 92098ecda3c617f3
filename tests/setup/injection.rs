//! `--image` and `--name` reach docker's argv: a value docker would read as one of its own
//! options (`--image=--network=host` undoes the 127.0.0.1-only publishing) is exit 2 before any
//! program runs, and docker's options end with `--` before the image and the name.

use super::fakes::FakeDocker;
use crate::harness::free_port;

fn setup_docker(docker: &FakeDocker, dir: &std::path::Path, flag: &str) -> crate::harness::Run {
    super::docker_setup(docker, dir, free_port())
        .args([flag, "--yes"])
        .run()
}

#[test]
fn an_image_or_name_docker_would_read_as_an_option_is_exit_2_before_anything_runs() {
    for flag in [
        "--image=--network=host",
        "--image=--privileged",
        "--image=-v=/:/host",
        "--image=redis:7 --privileged",
        "--image=",
        "--name=--privileged",
        "--name=a\nb",
        "--name=..",
        "--name=",
        "--name=-d",
    ] {
        let docker = FakeDocker::new();
        let dir = tempfile::tempdir().unwrap();
        let run = setup_docker(&docker, dir.path(), flag).code(2);
        let flag_name = flag.split('=').next().unwrap();
        assert!(run.stderr.contains(flag_name), "{flag}: {}", run.stderr);
        assert!(
            docker.calls().is_empty(),
            "{flag}: docker ran: {:?}",
            docker.calls()
        );
        assert!(!dir.path().join(".env").exists());
    }
}

#[test]
fn docker_options_end_before_the_image_and_the_name() {
    let docker = FakeDocker::new();
    let dir = tempfile::tempdir().unwrap();
    setup_docker(
        &docker,
        dir.path(),
        "--image=registry.example:5000/team/redis:7.2",
    )
    .success();
    let run = docker.runs().pop().expect("docker run");
    let dashes = run
        .iter()
        .position(|a| a == "--")
        .expect("a -- in docker run");
    assert_eq!(run[dashes + 1], "registry.example:5000/team/redis:7.2");
    let inspect = docker
        .calls()
        .into_iter()
        .find(|c| c[0] == "inspect")
        .expect("docker inspect");
    assert_eq!(
        &inspect[inspect.len() - 2..],
        ["--", "interviewmaster-redis"]
    );
}
