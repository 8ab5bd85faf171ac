/** The single row a table shows while it loads or when it has nothing to list. */
interface TableNoticeRowProps {
  colSpan: number;
  text: string;
  /** Set for the "nothing to list" row (styled as empty, with this test id). */
  emptyTestId?: string;
}

export function TableNoticeRow({ colSpan, text, emptyTestId }: TableNoticeRowProps) {
  return (
    <tr data-testid={emptyTestId}>
      <td colSpan={colSpan} className={emptyTestId ? "muted empty" : "muted"}>
        {text}
      </td>
    </tr>
  );
}
