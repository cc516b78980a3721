//! Ticket commands: from a consultation room to a confirmed room. The
//! service is `crate::tickets`.

mod confirm;
mod list;
mod ticket;
mod track;

#[cfg(test)]
mod tests;

super::family::family! {
    /// Tickets in the consultation rooms.
    Tickets {
        Track(track::Track),
        Ticket(ticket::Ticket),
        Tickets(list::Tickets),
        Confirm(confirm::Confirm),
    }
}
