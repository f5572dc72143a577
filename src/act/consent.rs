//! Who agrees to a mutation, and how: a person at a terminal is asked (a typed
//! confirmation for destructive batches); without a terminal only `--yes` lets it go on,
//! and nothing ever prompts into a pipe.

use crate::error::Failure;
use anyhow::Result;
use dialoguer::theme::ColorfulTheme;
use dialoguer::{Confirm, Input, MultiSelect};
use std::io::IsTerminal;

/// How to go on with a mutation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Consent {
    /// Ask the person at the terminal.
    Prompt,
    /// `--yes`: go on without asking.
    Proceed,
}

/// A person on both ends: stdin to answer, stdout to see the question.
pub fn terminal(no_interactive: bool) -> bool {
    !no_interactive && std::io::stdin().is_terminal() && std::io::stdout().is_terminal()
}

/// The policy: `--yes` proceeds; a terminal prompts; neither is refused (exit 2) with what
/// to do instead. `what` names the action for the message ("--delete").
pub fn decide(terminal: bool, yes: bool, what: &str) -> Result<Consent> {
    match (terminal, yes) {
        (_, true) => Ok(Consent::Proceed),
        (true, false) => Ok(Consent::Prompt),
        (false, false) => Err(Failure::usage(format!(
            "{what} needs a terminal to confirm, or --yes to go ahead without asking (no prompt is shown when stdin or stdout is not a terminal)"
        ))
        .into()),
    }
}

/// A prompt that failed because the user pressed Ctrl-C (or Esc where that cancels)
/// ends the run as an interruption; anything else is a plain error.
pub fn prompt_error(e: dialoguer::Error) -> anyhow::Error {
    let dialoguer::Error::IO(io) = &e;
    if io.kind() == std::io::ErrorKind::Interrupted {
        // The prompt hid the cursor and returns early on Ctrl-C without showing it again.
        let _ = dialoguer::console::Term::stderr().show_cursor();
        Failure::interrupted().into()
    } else {
        anyhow::Error::new(e).context("reading the answer")
    }
}

/// Lets the person tick items; none is ticked to begin with. Esc chooses none.
pub fn choose(prompt: &str, items: &[String]) -> Result<Vec<usize>> {
    let picked = MultiSelect::with_theme(&ColorfulTheme::default())
        .with_prompt(prompt)
        .items(items)
        .interact_opt()
        .map_err(prompt_error)?;
    Ok(picked.unwrap_or_default())
}

/// Yes or no, no by default.
pub fn confirm(prompt: &str) -> Result<bool> {
    Confirm::with_theme(&ColorfulTheme::default())
        .with_prompt(prompt)
        .default(false)
        .interact()
        .map_err(prompt_error)
}

/// The text a person must type to confirm a destructive batch: specific enough that a
/// reflexive Enter or "y" never deletes anything.
pub fn typed_phrase(verb: &str, count: usize) -> String {
    format!("{verb} {count}")
}

/// Asks for `phrase` typed exactly; anything else is a no.
pub fn confirm_typed(prompt: &str, phrase: &str) -> Result<bool> {
    let answer: String = Input::with_theme(&ColorfulTheme::default())
        .with_prompt(format!("{prompt} Type '{phrase}' to go ahead"))
        .allow_empty(true)
        .interact_text()
        .map_err(prompt_error)?;
    Ok(answer.trim() == phrase)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yes_proceeds_a_terminal_prompts_and_a_pipe_is_refused() {
        assert_eq!(decide(true, true, "--delete").unwrap(), Consent::Proceed);
        assert_eq!(decide(false, true, "--delete").unwrap(), Consent::Proceed);
        assert_eq!(decide(true, false, "--delete").unwrap(), Consent::Prompt);
        let e = decide(false, false, "--delete").unwrap_err();
        assert_eq!(crate::error::exit_code(&e), 2);
        assert!(e.to_string().contains("--yes"), "{e}");
    }

    #[test]
    fn the_typed_phrase_names_the_count() {
        assert_eq!(typed_phrase("delete", 3), "delete 3");
    }
}
