"""The login dialog: server, username and password; the password is never remembered."""

from __future__ import annotations

from PyQt6.QtCore import pyqtSignal
from PyQt6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from staff_console.core.viewmodels import Level, LoginVM
from staff_console.i18n import Translator


class LoginDialog(QDialog):
    login_requested = pyqtSignal(str, str, str)  # server, username, password
    cancel_requested = pyqtSignal()

    def __init__(self, tr: Translator, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._tr = tr
        self._busy = False
        self.setWindowTitle(f"{tr('app.title')} — {tr('login.title')}")
        self.setModal(True)
        self.setMinimumWidth(440)
        self.server = QLineEdit()
        self.username = QLineEdit()
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.message = QLabel()
        self.message.setWordWrap(True)
        form = QFormLayout()
        form.addRow(tr("login.server"), self.server)
        form.addRow(tr("login.username"), self.username)
        form.addRow(tr("login.password"), self.password)
        buttons = QDialogButtonBox()
        self.submit = QPushButton(tr("login.submit"))
        self.submit.setDefault(True)
        self.cancel = QPushButton(tr("login.cancel"))
        buttons.addButton(self.submit, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.cancel, QDialogButtonBox.ButtonRole.RejectRole)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.submit.clicked.connect(self._on_submit_clicked)
        self.cancel.clicked.connect(self.cancel_requested)

    def draw(self, vm: LoginVM) -> None:
        if not self.server.text():
            self.server.setText(vm.server)
        if not self.username.text():
            self.username.setText(vm.username)
        for field in (self.server, self.username, self.password, self.submit):
            field.setEnabled(not vm.busy)
        self.cancel.setEnabled(vm.busy)
        if vm.busy and vm.error is None:
            self.message.setText(self._tr("login.busy"))
            self.message.setStyleSheet("")
        elif vm.error is not None:
            self.message.setText(self._tr(vm.error.key, **vm.error.fields))
            colour = "#b00020" if vm.error.level is Level.ERROR else "#8a5a00"
            self.message.setStyleSheet(f"color: {colour}; font-weight: bold;")
        else:
            self.message.setText("")
        if self._busy and not vm.busy:  # refused or cancelled: type it again
            self.password.clear()
            (self.password if self.username.text() else self.username).setFocus()
        self._busy = vm.busy

    def reject(self) -> None:
        """Esc or closing the dialog: stop a pending login, but the dialog stays the way in."""
        self.cancel_requested.emit()

    def _on_submit_clicked(self) -> None:
        password = self.password.text()
        self.password.clear()  # the engine has it now; the field does not keep it
        self.login_requested.emit(self.server.text(), self.username.text(), password)
