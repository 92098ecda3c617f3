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
        match n {
            0 => Ok(()),
            n => self.write(&format!("\x1b[{n}A")),
        }
    }

    fn move_cursor_down(&self, n: usize) -> io::Result<()> {
        match n {
            0 => Ok(()),
            n => self.write(&format!("\x1b[{n}B")),
        }
    }

    fn move_cursor_right(&self, n: usize) -> io::Result<()> {
        match n {
            0 => Ok(()),
            n => self.write(&format!("\x1b[{n}C")),
        }
    }

    fn move_cursor_left(&self, n: usize) -> io::Result<()> {
        match n {
            0 => Ok(()),
            n => self.write(&format!("\x1b[{n}D")),
        }
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
