//! `metrics --watch` on a real pseudo-terminal, as an operator sees it during an outage: at
//! 60x15 and 120x40, resized while it runs, with Redis going away. Every frame must fit the
//! terminal it was drawn for (lines cut, never wrapped; never more rows than the screen, so
//! nothing scrolls into the scrollback), and Ctrl-C must give the screen back.

use crate::harness::RedisServer;
use crate::harness::pty::Pty;

const ENTER: &str = "\u{1b}[?1049h";
const LEAVE: &str = "\u{1b}[?1049l";
const HOME: &str = "\u{1b}[H";

/// The frames of a stretch of output: each starts at the top-left corner.
fn frames(text: &str) -> Vec<&str> {
    text.split(HOME).skip(1).collect()
}

/// What a frame shows: its lines without colour and clearing codes. Any other control sequence
/// (a cursor movement, a scroll) fails the test.
fn visible_lines(frame: &str) -> Vec<String> {
    let frame = frame.split(LEAVE).next().unwrap();
    let frame = frame.strip_prefix("\u{1b}[2J").unwrap_or(frame);
    let frame = frame.strip_suffix("\u{1b}[J").unwrap_or(frame);
    // The terminal's own ONLCR turns each \n into \r\n: a second \r changes nothing on screen.
    frame
        .split('\n')
        .map(|line| line.trim_end_matches('\r'))
        .map(|line| {
            let mut shown = String::new();
            let mut chars = line.chars();
            while let Some(c) = chars.next() {
                if c == '\u{1b}' {
                    let mut code = String::new();
                    for e in chars.by_ref() {
                        code.push(e);
                        if e.is_ascii_alphabetic() {
                            break;
                        }
                    }
                    assert!(
                        code.ends_with('m') || code == "[K",
                        "only colours and clear-to-end inside a frame, found ESC{code}: {frame:?}"
                    );
                } else {
                    assert!(c != '\n' && c != '\r', "a bare line break: {frame:?}");
                    shown.push(c);
                }
            }
            shown
        })
        .collect()
}

fn assert_fits(frame: &str, columns: usize, rows: usize) {
    let lines = visible_lines(frame);
    assert!(
        lines.len() <= rows,
        "{} rows on a {rows}-row screen: {lines:#?}",
        lines.len()
    );
    for line in &lines {
        assert!(
            line.chars().count() <= columns,
            "a line wider than {columns} columns: {line:?}"
        );
    }
}

/// Frames drawn after `mark`, once the terminal took its new size: from the redraw the resize
/// caused (it clears the screen first) on.
fn frames_at_new_size(text: &str) -> Vec<&str> {
    let all = frames(text);
    let first = all
        .iter()
        .position(|f| f.starts_with("\u{1b}[2J"))
        .unwrap_or(all.len());
    all[first..].to_vec()
}

#[test]
fn the_watch_fits_the_terminal_through_resizes_and_an_outage() {
    let server = RedisServer::start();
    let port = server.port.to_string();
    let mut term = Pty::start(
        &["-h", "127.0.0.1", "-p", &port, "metrics", "--watch", "0.1"],
        60,
        15,
    );

    // 60x15: the full table is taller than the screen; it is cut, with a note.
    term.wait_for(0, "three frames", |t| frames(t).len() >= 3);
    let small = term.shown();
    assert!(small.starts_with(ENTER), "the alternate screen: {small:?}");
    for frame in frames(&small) {
        assert_fits(frame, 60, 15);
    }
    assert!(
        small.contains("more lines: make the terminal taller"),
        "{small}"
    );

    // Resized to 120x40: the next frames use the room, whole.
    let mark = term.mark();
    term.resize(120, 40);
    term.wait_for(mark, "a frame at 120x40", |t| {
        frames_at_new_size(t).len() >= 2
    });
    let big = term.shown()[mark..].to_string();
    for frame in frames_at_new_size(&big) {
        assert_fits(frame, 120, 40);
        let lines = visible_lines(frame);
        assert!(lines.len() > 15, "the whole table shows: {lines:#?}");
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with("db0") || l.starts_with("keys"))
        );
    }

    // Redis goes away: the outage is on screen, within the same size.
    drop(server);
    let mark = term.mark();
    term.wait_for(mark, "the outage", |t| t.contains("unavailable:"));
    let outage = term.shown()[mark..].to_string();
    for frame in frames(&outage) {
        assert_fits(frame, 120, 40);
    }

    // Back to 60x15 during the outage: the long error lines are cut, not wrapped.
    let mark = term.mark();
    term.resize(60, 15);
    term.wait_for(mark, "a frame at 60x15", |t| {
        frames_at_new_size(t).len() >= 2
    });
    let shrunk = term.shown()[mark..].to_string();
    let at_new_size = frames_at_new_size(&shrunk);
    for frame in &at_new_size {
        assert_fits(frame, 60, 15);
    }
    let last = visible_lines(at_new_size.last().unwrap());
    assert!(
        last.iter()
            .any(|l| l.starts_with("unavailable: nothing is listening")),
        "{last:#?}"
    );

    // Ctrl-C ends the watch with exit 0 and gives the normal screen back, the last frame on it.
    term.type_keys(b"\x03");
    let (code, shown) = term.finish();
    assert_eq!(code, 0, "{shown:?}");
    let after = &shown[shown.rfind(LEAVE).expect("the normal screen comes back")..];
    assert!(after.contains("unavailable:"), "{after:?}");
    assert!(
        shown.contains("\u{1b}[?25h\u{1b}[?1049l"),
        "the cursor is shown again"
    );
}
