"""The login dialog: server, username and password; the password is never remembered.

After an admin gave a temporary password, the hub asks for the staff member's own: the dialog
then also asks for the new one, twice, and changes it before logging in.
"""

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
    # server, username, the temporary password, the new one, the new one again
    new_password_requested = pyqtSignal(str, str, str, str, str)
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
        self.new_password = QLineEdit()
        self.again = QLineEdit()
        for field in (self.password, self.new_password, self.again):
            field.setEchoMode(QLineEdit.EchoMode.Password)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self._form = form = QFormLayout()
        form.addRow(tr("login.server"), self.server)
        form.addRow(tr("login.username"), self.username)
        self._password_label = QLabel(tr("login.password"))
        form.addRow(self._password_label, self.password)
        form.addRow(tr("login.new_password"), self.new_password)
        form.addRow(tr("login.new_password_again"), self.again)
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
        self._asking_new = True
        self._ask_new_password(False)  # shown only when the hub asks for a new password

    def draw(self, vm: LoginVM) -> None:
        if not self.server.text():
            self.server.setText(vm.server)
        if not self.username.text():
            self.username.setText(vm.username)
        self._ask_new_password(vm.new_password)
        for field in (self.server, self.username, self.password, self.submit):
            field.setEnabled(not vm.busy)
        for field in (self.new_password, self.again):
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
            for field in (self.password, self.new_password, self.again):
                field.clear()
            (self.password if self.username.text() else self.username).setFocus()
        self._busy = vm.busy

    def reject(self) -> None:
        """Esc or closing the dialog: stop a pending login, but the dialog stays the way in."""
        self.cancel_requested.emit()

    def _ask_new_password(self, asking: bool) -> None:
        if asking == self._asking_new:
            return
        self._asking_new = asking
        for row in (3, 4):  # the new password, and again
            self._form.setRowVisible(row, asking)
        self.setMinimumWidth(560 if asking else 440)  # the longer labels leave the fields room
        self._password_label.setText(
            self._tr("login.temporary_password" if asking else "login.password")
        )
        self.submit.setText(self._tr("login.change_submit" if asking else "login.submit"))
        if asking:
            self.new_password.setFocus()

    def _on_submit_clicked(self) -> None:
        typed = [field.text() for field in (self.password, self.new_password, self.again)]
        for field in (self.password, self.new_password, self.again):
            field.clear()  # the engine has them now; the fields do not keep them
        server, username = self.server.text(), self.username.text()
        if self._asking_new:
            self.new_password_requested.emit(server, username, *typed)
        else:
            self.login_requested.emit(server, username, typed[0])
