// The connection banner and the short-lived notices (errors and hints) above the messages.

const NOTICE_MS = 8000;

export class ConnectionBanner {
  constructor(element, { onRetry }) {
    this.element = element;
    this.onRetry = onRetry;
    this.countdown = null;
    this.hideTimer = null;
  }

  show(detail) {
    clearInterval(this.countdown);
    clearTimeout(this.hideTimer);
    const { state } = detail;
    if (state === 'open') {
      if (detail.reconnected) this._render('ok', 'Back online.');
      else this._hide();
      this.hideTimer = setTimeout(() => this._hide(), 2500);
      return;
    }
    if (state === 'connecting') {
      this._render('wait', 'Connecting…');
    } else if (state === 'reconnecting' && detail.delayMs) {
      const until = Date.now() + detail.delayMs;
      const tick = () => {
        const seconds = Math.max(1, Math.ceil((until - Date.now()) / 1000));
        this._render('warn', `Connection lost. Reconnecting in ${seconds} s…`, 'Retry now');
      };
      tick();
      this.countdown = setInterval(tick, 500);
    } else if (state === 'reconnecting') {
      this._render('warn', 'Reconnecting…');
    } else if (state === 'closed') {
      this._render('error', 'Disconnected from the server.', 'Reconnect');
    }
  }

  _render(kind, text, actionLabel) {
    this.element.hidden = false;
    this.element.dataset.kind = kind;
    const label = document.createElement('span');
    label.textContent = text;
    this.element.replaceChildren(label);
    if (actionLabel) {
      const button = document.createElement('button');
      button.type = 'button';
      button.textContent = actionLabel;
      button.addEventListener('click', () => this.onRetry());
      this.element.append(button);
    }
  }

  _hide() {
    this.element.hidden = true;
    this.element.replaceChildren();
  }
}

export class Notices {
  constructor(element) {
    this.element = element;
  }

  show(text, kind = 'error') {
    // The same sentence twice in a row (e.g. three rate-limited sends) is one notice.
    for (const existing of this.element.children) {
      if (existing.dataset.text === text) existing.remove();
    }
    const notice = document.createElement('div');
    notice.className = `notice ${kind}`;
    notice.dataset.text = text;
    notice.setAttribute('role', kind === 'error' ? 'alert' : 'status');
    const message = document.createElement('span');
    message.textContent = text;
    const close = document.createElement('button');
    close.type = 'button';
    close.className = 'notice-close';
    close.setAttribute('aria-label', 'Dismiss');
    close.textContent = '×';
    close.addEventListener('click', () => notice.remove());
    notice.append(message, close);
    this.element.append(notice);
    setTimeout(() => notice.remove(), NOTICE_MS);
    while (this.element.children.length > 3) this.element.firstElementChild.remove();
  }
}
