//! Where people read the output: the terminal facts every view needs —
//! whether it may carry colour ([`Paint`]) and how wide its tables may be —
//! decided once, in [`Terminal`], when the program starts, and carried by the
//! commands' context to the views.

use std::io::IsTerminal;

use crate::report::Paint;

/// The width tables wrap to when stdout is not a terminal and `$COLUMNS` is unset.
const DEFAULT_WIDTH: u16 = 100;

/// The narrowest width taken from `$COLUMNS`.
const NARROWEST: u16 = 40;

/// The terminal facts of one run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Terminal {
    /// Colour for people's tables: on a terminal without `NO_COLOR` only,
    /// never for JSON. Colour never changes layout.
    pub paint: Paint,
    /// The width tables wrap to: the terminal's when stdout is one (`None`
    /// when it cannot be measured), else `$COLUMNS`, else 100 columns.
    pub width: Option<u16>,
}

impl Terminal {
    /// The facts of this process's stdout; `json` output is never coloured.
    pub fn of_stdout(json: bool) -> Terminal {
        let on_terminal = std::io::stdout().is_terminal();
        // https://no-color.org: never colour when NO_COLOR is set and not empty.
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let width = if on_terminal {
            // comfy-table measures the terminal it draws on.
            comfy_table::Table::new().width()
        } else {
            let columns = std::env::var("COLUMNS").ok().and_then(|c| c.parse().ok());
            Some(columns.unwrap_or(DEFAULT_WIDTH).max(NARROWEST))
        };
        Terminal {
            paint: Paint(on_terminal && !json && !no_color),
            width,
        }
    }

    /// The same width without colour: output kept as text rather than shown.
    #[must_use]
    pub fn without_colour(self) -> Terminal {
        Terminal {
            paint: Paint(false),
            ..self
        }
    }
}
