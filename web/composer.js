// The message box: Enter sends, Shift+Enter adds a line, it grows with its text, counts
// characters near the server's limit, and tells the channel we are typing (throttled). Above it a
// context line says what Enter will do instead of a new message (reply to…, editing…), with ×
// (or Escape) to cancel; ↑ in the empty box asks to edit the last message.

const TYPING_EVERY_MS = 3000;
const MAX_HEIGHT_PX = 200;

export class Composer {
  constructor({ form, input, counter, context, onSend, onTyping, onEditLast }) {
    this.form = form;
    this.input = input;
    this.counter = counter;
    this.context = context;
    this.onSend = onSend;
    this.onTyping = onTyping;
    this.onEditLast = onEditLast;
    this.onCancelContext = null;
    this.maxChars = null;
    this.lastTypingAt = 0;

    input.addEventListener('keydown', (event) => {
      // isComposing: Enter that confirms an IME candidate (Japanese, Chinese…) is not "send".
      if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        this._submit();
        return;
      }
      if (event.key === 'Escape' && this.onCancelContext) {
        event.preventDefault();
        this.clearContext();
        return;
      }
      const plainUp = event.key === 'ArrowUp' && !event.altKey && !event.shiftKey && !event.ctrlKey && !event.metaKey;
      if (plainUp && input.value === '' && this.onEditLast?.()) event.preventDefault();
    });
    context.querySelector('button').addEventListener('click', () => {
      this.clearContext();
      this.focus();
    });
    input.addEventListener('input', () => {
      this._resize();
      this._updateCounter();
      if (input.value.trim() && Date.now() - this.lastTypingAt > TYPING_EVERY_MS) {
        this.lastTypingAt = Date.now();
        this.onTyping();
      }
    });
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      this._submit();
    });
  }

  setLimit(maxChars) {
    this.maxChars = maxChars || null;
    this._updateCounter();
  }

  setPlaceholder(text) {
    this.input.placeholder = text;
    this.input.setAttribute('aria-label', text);
  }

  // Off where nothing can be sent (a channel we were removed from); the text typed stays.
  setDisabled(disabled) {
    this.input.disabled = disabled;
    for (const button of this.form.querySelectorAll('button')) button.disabled = disabled;
  }

  focus() {
    this.input.focus();
  }

  text() {
    return this.input.value;
  }

  // Replaces what is typed (editing a message puts its text here), the cursor at the end.
  setText(text) {
    this.input.value = text;
    this.input.setSelectionRange(text.length, text.length);
    this._resize();
    this._updateCounter();
  }

  // Shows `label` above the box; `onCancel` runs when the context ends (×, Escape, or
  // clearContext() after a send or on switching conversation). A new context replaces the old
  // one without running its onCancel.
  setContext(label, onCancel) {
    this.onCancelContext = onCancel;
    this.context.querySelector('.composer-context-text').textContent = label;
    this.context.hidden = false;
  }

  clearContext() {
    const onCancel = this.onCancelContext;
    this.onCancelContext = null;
    this.context.hidden = true;
    onCancel?.();
  }

  _submit() {
    const text = this.input.value;
    if (!text.trim()) return;
    // The handler says whether it took the text; if not (too long), the user keeps it to edit.
    if (this.onSend(text) === false) return;
    this.input.value = '';
    this.lastTypingAt = 0;
    this._resize();
    this._updateCounter();
  }

  _resize() {
    this.input.style.height = 'auto';
    this.input.style.height = `${Math.min(this.input.scrollHeight, MAX_HEIGHT_PX)}px`;
  }

  _updateCounter() {
    const length = [...this.input.value].length;
    // Shown only near the limit: a counter that is always there is noise.
    if (!this.maxChars || length < this.maxChars * 0.8) {
      this.counter.hidden = true;
      return;
    }
    this.counter.hidden = false;
    this.counter.textContent = `${length} / ${this.maxChars}`;
    this.counter.classList.toggle('over', length > this.maxChars);
  }
}
