//! What imcache needs to know about a terminal: its size (for the watch's frame) and a spinner
//! target that stops two columns short of the right edge. indicatif pads a spinner line to the
//! full width, so the `^C` the terminal echoes on Ctrl-C would wrap onto a new row, and clearing
//! the spinner would then clear only that row and leave a frame on screen.

use std::io::{self, Write};

/// Columns and rows of the terminal on `fd`, when it is one and says.
pub fn size(fd: libc::c_int) -> Option<(usize, usize)> {
    let mut size = libc::winsize {
        ws_row: 0,
        ws_col: 0,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: TIOCGWINSZ writes one winsize into the struct we own; a bad fd only fails.
    let rc = unsafe { libc::ioctl(fd, libc::TIOCGWINSZ, &mut size) };
    (rc == 0 && size.ws_col > 0 && size.ws_row > 0)
        .then_some((usize::from(size.ws_col), usize::from(size.ws_row)))
}

/// The columns a spinner line leaves free at the right edge (room for an echoed `^C`).
const SPARE_COLUMNS: u16 = 2;

/// stderr as indicatif's draw target, two columns narrower than it is.
#[derive(Debug)]
pub struct SpinnerTarget;

impl SpinnerTarget {
    fn write(&self, text: &str) -> io::Result<()> {
        io::stderr().lock().write_all(text.as_bytes())
    }

    /// CSI n A/B/C/D; nothing for 0 (which a terminal would read as 1).
    fn move_cursor(&self, n: usize, direction: char) -> io::Result<()> {
        match n {
            0 => Ok(()),
            n => self.write(&format!("\x1b[{n}{direction}")),
        }
    }
}

impl indicatif::TermLike for SpinnerTarget {
    fn width(&self) -> u16 {
        let columns = size(libc::STDERR_FILENO).map_or(80, |(columns, _)| columns);
        u16::try_from(columns)
            .unwrap_or(u16::MAX)
            .saturating_sub(SPARE_COLUMNS)
            .max(1)
    }

    fn height(&self) -> u16 {
        let rows = size(libc::STDERR_FILENO).map_or(24, |(_, rows)| rows);
        u16::try_from(rows).unwrap_or(u16::MAX)
    }

    fn move_cursor_up(&self, n: usize) -> io::Result<()> {
        self.move_cursor(n, 'A')
    }

    fn move_cursor_down(&self, n: usize) -> io::Result<()> {
        self.move_cursor(n, 'B')
    }

    fn move_cursor_right(&self, n: usize) -> io::Result<()> {
        self.move_cursor(n, 'C')
    }

    fn move_cursor_left(&self, n: usize) -> io::Result<()> {
        self.move_cursor(n, 'D')
    }

    fn write_line(&self, s: &str) -> io::Result<()> {
        self.write(&format!("{s}\n"))
    }

    fn write_str(&self, s: &str) -> io::Result<()> {
        self.write(s)
    }

    fn clear_line(&self) -> io::Result<()> {
        self.write("\r\x1b[2K")
    }

    fn flush(&self) -> io::Result<()> {
        io::stderr().lock().flush()
    }
}

/// A frame redrawn in place on the alternate screen, as `top` does: drawn from the top-left
/// corner, cut to the terminal's width (never wrapped) and height (never scrolled), redrawn at
/// the new size after a resize. Nothing reaches the scrollback while it runs; when it ends, the
/// normal screen comes back and the last frame is printed there once, cut to the width.
pub struct Screen {
    out: crate::output::Output,
    frame: String,
}

/// Enter the alternate screen and hide the cursor; and back.
const ENTER: &str = "\x1b[?1049h\x1b[?25l";
const LEAVE: &str = "\x1b[?25h\x1b[?1049l";

impl Screen {
    pub fn enter(out: &crate::output::Output) -> crate::error::Result<Screen> {
        crate::interrupt::watch_resize();
        out.print(ENTER)?;
        Ok(Screen {
            out: out.clone(),
            frame: String::new(),
        })
    }

    /// Shows a new frame.
    pub fn draw(&mut self, frame: String) -> crate::error::Result<()> {
        self.frame = frame;
        self.paint("")
    }

    /// Draws the frame again when the terminal changed size since the last look.
    pub fn redraw_if_resized(&self) -> crate::error::Result<()> {
        match crate::interrupt::resized() {
            true => self.paint("\x1b[2J"),
            false => Ok(()),
        }
    }

    fn paint(&self, clear: &str) -> crate::error::Result<()> {
        let (columns, rows) = size(libc::STDOUT_FILENO).unwrap_or((80, 24));
        let text = fit(&self.frame, columns, rows);
        self.out.print(&format!("\x1b[H{clear}{text}\x1b[J"))
    }
}

impl Drop for Screen {
    fn drop(&mut self) {
        let columns = size(libc::STDOUT_FILENO).map_or(80, |(columns, _)| columns);
        let last: Vec<String> = self.frame.lines().map(|l| cut(l, columns)).collect();
        // A closed stdout has nothing left to restore.
        let _ = self.out.print(&format!("{LEAVE}{}\n", last.join("\n")));
    }
}

/// The frame as it fits: at most `rows` lines, each cut to `columns` and cleared to its end,
/// with no line break after the last (a break on the bottom row would scroll).
pub fn fit(frame: &str, columns: usize, rows: usize) -> String {
    let mut lines: Vec<&str> = frame.lines().collect();
    let note;
    if lines.len() > rows && rows > 0 {
        let hidden = lines.len() - (rows - 1);
        lines.truncate(rows - 1);
        note = format!("({hidden} more lines: make the terminal taller)");
        lines.push(&note);
    }
    lines
        .iter()
        .map(|line| format!("{}\x1b[K", cut(line, columns)))
        .collect::<Vec<_>>()
        .join("\r\n")
}

/// The first `columns` characters that show, with the colour codes among them (and a reset
/// when a colour was cut off).
pub fn cut(line: &str, columns: usize) -> String {
    let mut kept = String::new();
    let mut shown = 0;
    let mut escaped = false;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            kept.push(c);
            for e in chars.by_ref() {
                kept.push(e);
                if ('@'..='~').contains(&e) && e != '[' {
                    break;
                }
            }
            escaped = true;
            continue;
        }
        if shown == columns {
            if escaped {
                kept.push_str("\x1b[0m");
            }
            return kept;
        }
        kept.push(c);
        shown += 1;
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_cut_not_wrapped_and_frames_never_scroll() {
        assert_eq!(cut("abcdef", 4), "abcd");
        assert_eq!(cut("ab\x1b[31mcdef\x1b[0m", 3), "ab\x1b[31mc\x1b[0m");
        assert_eq!(cut("ab", 4), "ab");
        let frame = "1\n2\n3\n4\n5\n";
        assert_eq!(
            fit(frame, 10, 5),
            "1\x1b[K\r\n2\x1b[K\r\n3\x1b[K\r\n4\x1b[K\r\n5\x1b[K"
        );
        let fitted = fit(frame, 10, 3);
        assert_eq!(fitted.matches("\r\n").count(), 2);
        assert!(
            fitted.starts_with("1\x1b[K\r\n2\x1b[K\r\n(3 more"),
            "{fitted:?}"
        );
    }
}
