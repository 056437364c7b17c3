// Evaluated in the admin page by tests/admin/test_page_layout.py: what sticks out of its box,
// what a box cuts off, and which raw codes (the argument) are on screen. Returns the problems.
(codes) => {
  const problems = [];
  const describe = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
    (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\s+/).join('.') : '');
  const shown = (el) => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden';
  const root = document.documentElement;
  if (root.scrollWidth > root.clientWidth + 1) {
    problems.push(`the page scrolls sideways: ${root.scrollWidth} > ${root.clientWidth}`);
  }
  for (const el of document.querySelectorAll('body *')) {
    if (!shown(el) || el.closest('svg')) continue;
    const style = getComputedStyle(el);
    const clipping = /hidden|clip|auto|scroll/.test(style.overflowX + ' ' + style.overflowY);
    if (clipping && (el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1)) {
      problems.push(`${describe(el)} cuts off its content (${el.scrollWidth}x${el.scrollHeight} in ${el.clientWidth}x${el.clientHeight})`);
    }
    const parent = el.parentElement;
    if (!parent || parent === document.body || style.position === 'absolute' || style.position === 'fixed') continue;
    const box = el.getBoundingClientRect(), outer = parent.getBoundingClientRect();
    if (box.width > 0 && (box.right > outer.right + 1 || box.left < outer.left - 1)) {
      problems.push(`${describe(el)} sticks out of ${describe(parent)} (${Math.round(box.left)}..${Math.round(box.right)} in ${Math.round(outer.left)}..${Math.round(outer.right)})`);
    }
  }
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!el || !shown(el) || el.closest('.id-text, script, style, option:not(:checked)')) continue;
    for (const word of node.textContent.match(/[a-z][a-z_]*/g) || []) {
      if (codes.includes(word)) problems.push(`raw code "${word}" in ${describe(el)}: ${node.textContent.trim().slice(0, 60)}`);
    }
  }
  return problems;
}
