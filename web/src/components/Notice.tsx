/** A status message: errors are announced as alerts, the rest politely. */
import type { ReactNode } from "react";

interface NoticeProps {
  kind: "error" | "success" | "info";
  children: ReactNode;
  testId?: string;
}

export function Notice({ kind, children, testId }: NoticeProps) {
  return (
    <div
      className={`notice notice-${kind}`}
      role={kind === "error" ? "alert" : "status"}
      data-testid={testId}
    >
      {children}
    </div>
  );
}
