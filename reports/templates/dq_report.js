/* Sort a table by the clicked column; numeric cells carry their raw value in data-value. */
(function () {
  "use strict";
  function sortKey(cell, numeric) {
    var raw = cell.hasAttribute("data-value") ? cell.getAttribute("data-value") : cell.textContent.trim();
    if (!numeric) {
      return raw.toLocaleLowerCase();
    }
    var number = parseFloat(raw);
    return isNaN(number) ? -Infinity : number;
  }
  function compare(x, y, numeric) {
    if (numeric) {
      return x < y ? -1 : (x > y ? 1 : 0);
    }
    return String(x).localeCompare(String(y));
  }
  function sortBy(table, header) {
    var index = header.cellIndex;
    var numeric = header.getAttribute("data-type") === "number";
    var ascending = header.getAttribute("aria-sort") !== "ascending";
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var order = compare(sortKey(a.cells[index], numeric), sortKey(b.cells[index], numeric), numeric);
      return ascending ? order : -order;
    });
    Array.prototype.forEach.call(header.parentNode.cells, function (cell) {
      cell.removeAttribute("aria-sort");
    });
    header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    rows.forEach(function (row) { body.appendChild(row); });
  }
  document.querySelectorAll("table.sortable").forEach(function (table) {
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (header) {
      header.tabIndex = 0;
      header.addEventListener("click", function () { sortBy(table, header); });
      header.addEventListener("keydown", function (event) {
        if (event.key === "Enter" || event.key === " ") {
          event.preventDefault();
          sortBy(table, header);
        }
      });
    });
  });
}());
